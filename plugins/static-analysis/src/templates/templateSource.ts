import { parseAllDocuments } from 'yaml';
import { scoreTemplate } from './scoring';
import {
  analyzeTemplate,
  AnalyzeTemplateOptions,
  TemplateAnalysis,
} from './analyzeTemplate';

const MAX_TEMPLATE_SOURCE = 5 * 1024 * 1024;

/** What {@link analyzeTemplateSource} found in one YAML document of a file. */
export interface SourceDocumentAnalysis extends TemplateAnalysis {
  /** 0-based index of the YAML document in the file. */
  document: number;
}

/**
 * Analyses template files: every YAML document that is not empty is analysed as a template.
 * Invalid YAML yields a single `parse-error` analysis for the file.
 */
export function analyzeTemplateSource(
  source: string,
  options: AnalyzeTemplateOptions & { name?: string } = {},
): SourceDocumentAnalysis[] {
  const name = options.name ?? '<source>';
  const fileError = (message: string): SourceDocumentAnalysis[] => {
    const scored = scoreTemplate([], options.gating);
    return [
      {
        document: 0,
        entityRef: `template:default/${name}`,
        legacy: false,
        parseError: true,
        findings: [],
        diagnostics: [{ location: '(document)', message }],
        ...scored,
      },
    ];
  };
  if (source.length > MAX_TEMPLATE_SOURCE) {
    return fileError(
      `File is ${source.length} bytes; templates over ${MAX_TEMPLATE_SOURCE} bytes are not analysed`,
    );
  }
  let documents;
  try {
    documents = parseAllDocuments(source, { prettyErrors: false });
  } catch (error) {
    return fileError(
      `Not YAML: ${
        error instanceof Error ? error.message : String(error)
      }`.slice(0, 300),
    );
  }
  const list = Array.isArray(documents) ? documents : [documents];
  const results: SourceDocumentAnalysis[] = [];
  for (const [index, document] of list.entries()) {
    if (document.errors.length > 0) {
      return fileError(
        `Not valid YAML: ${document.errors[0].message.split('\n')[0]}`.slice(
          0,
          300,
        ),
      );
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      return fileError(
        `YAML could not be read: ${
          error instanceof Error ? error.message : String(error)
        }`.slice(0, 300),
      );
    }
    if (value === null || value === undefined) continue;
    results.push({ document: index, ...analyzeTemplate(value, options) });
  }
  if (results.length === 0)
    return fileError('The file contains no YAML document');
  return results;
}
