'use strict';

const { createRandom } = require('./random');

/**
 * Seeded scaffolder templates (scaffolder.backstage.io/v1beta3) with a realistic spread of
 * parameters and steps: most are golden paths (fetch:template → publish → catalog:register); a
 * minority carry the risky patterns a template analysis looks for (a user-supplied URL fetched
 * with fetch:plain, a parameter used as a path in fs:delete, secrets logged, unrestricted
 * RepoUrlPicker hosts, custom actions).
 */

const KINDS = [
  'service',
  'website',
  'library',
  'documentation',
  'data-pipeline',
  'infrastructure',
];
const STACKS = [
  'spring-boot',
  'node',
  'go',
  'python',
  'react',
  'terraform',
  'kotlin',
  'dotnet',
];

function parameterPages(rand) {
  const pages = [];
  const details = {
    title: 'Component details',
    required: ['name'],
    properties: {
      name: {
        title: 'Name',
        type: 'string',
        description: 'Unique name of the component.',
        ...(rand.chance(0.6) && { pattern: '^[a-z][a-z0-9-]{1,40}$' }),
        ...(rand.chance(0.5) && { maxLength: 41 }),
        ...(rand.chance(0.3) && { 'ui:autofocus': true }),
      },
      description: {
        title: 'Description',
        type: 'string',
        ...(rand.chance(0.4) && { maxLength: 200 }),
      },
    },
  };
  if (rand.chance(0.85)) {
    details.required.push('owner');
    details.properties.owner = rand.chance(0.8)
      ? {
          title: 'Owner',
          type: 'string',
          'ui:field': 'OwnerPicker',
          'ui:options': { catalogFilter: { kind: 'Group' } },
        }
      : { title: 'Owner', type: 'string' };
  }
  if (rand.chance(0.3)) {
    details.properties.environment = {
      title: 'Environment',
      type: 'string',
      enum: ['dev', 'staging', 'prod'],
    };
  }
  if (rand.chance(0.2)) {
    details.properties.replicas = {
      title: 'Replicas',
      type: 'number',
      minimum: 1,
      maximum: 10,
      default: 2,
    };
  }
  pages.push(details);

  const repo = {
    title: 'Repository',
    required: ['repoUrl'],
    properties: {
      repoUrl: {
        title: 'Repository location',
        type: 'string',
        'ui:field': 'RepoUrlPicker',
        ...(rand.chance(0.6) && {
          'ui:options': {
            allowedHosts: rand.chance(0.8)
              ? ['github.com']
              : ['github.com', 'gitlab.com'],
            ...(rand.chance(0.5) && { allowedOwners: ['acme'] }),
          },
        }),
      },
    },
  };
  pages.push(repo);

  if (rand.chance(0.25)) {
    const extra = { title: 'Advanced', properties: {} };
    if (rand.chance(0.5)) {
      extra.properties.sourceUrl = {
        title: 'Source URL',
        type: 'string',
        description: 'Extra files to copy.',
      };
    }
    if (rand.chance(0.4)) {
      extra.properties.targetPath = { title: 'Target path', type: 'string' };
    }
    if (rand.chance(0.2)) {
      extra.properties.apiToken = {
        title: 'API token',
        type: 'string',
        ...(rand.chance(0.5)
          ? { 'ui:field': 'Secret' }
          : { 'ui:widget': 'password' }),
      };
    }
    if (Object.keys(extra.properties).length) pages.push(extra);
  }
  return pages;
}

function steps(rand, pages) {
  const props = Object.assign({}, ...pages.map(p => p.properties));
  const out = [];
  if (rand.chance(0.95)) {
    out.push({
      id: 'fetch-base',
      name: 'Fetch skeleton',
      action: 'fetch:template',
      input: {
        url: './skeleton',
        ...(rand.chance(0.3) && { targetPath: './' }),
        values: {
          name: '${{ parameters.name }}',
          description: '${{ parameters.description }}',
          ...(props.owner && { owner: '${{ parameters.owner }}' }),
        },
      },
    });
  }
  if (props.sourceUrl) {
    out.push({
      id: 'fetch-extra',
      name: 'Copy extra files',
      action: 'fetch:plain',
      input: {
        url: '${{ parameters.sourceUrl }}',
        targetPath: props.targetPath
          ? '${{ parameters.targetPath }}'
          : './extra',
      },
    });
  } else if (rand.chance(0.1)) {
    out.push({
      id: 'fetch-docs',
      name: 'Fetch docs skeleton',
      action: rand.chance(0.5) ? 'fetch:plain' : 'fetch:plain:file',
      input: {
        url: 'https://github.com/acme/skeletons/tree/main/docs',
        targetPath: './docs',
      },
    });
  }
  if (props.targetPath && rand.chance(0.5)) {
    out.push({
      id: 'cleanup',
      name: 'Remove leftovers',
      action: 'fs:delete',
      input: {
        files: [
          '${{ parameters.targetPath }}/.git',
          '${{ parameters.targetPath }}/tmp',
        ],
      },
    });
  } else if (rand.chance(0.05)) {
    out.push({
      id: 'rename',
      name: 'Rename',
      action: 'fs:rename',
      input: { files: [{ from: 'a', to: 'b' }] },
    });
  }
  if (rand.chance(0.1)) {
    out.push({
      id: 'log',
      name: 'Log inputs',
      action: 'debug:log',
      input: {
        message: props.apiToken
          ? 'token ${{ parameters.apiToken }}'
          : rand.chance(0.2)
          ? 'deploying with ${{ secrets.deployToken }}'
          : 'creating ${{ parameters.name }}',
      },
    });
  }
  if (rand.chance(0.1)) {
    out.push({
      id: 'custom',
      name: 'Provision',
      action: rand.pick([
        'acme:provision',
        'acme:vault:create-role',
        'acme:deploy',
      ]),
      input: {
        name: '${{ parameters.name }}',
        ...(props.environment && { env: '${{ parameters.environment }}' }),
      },
      ...(rand.chance(0.3) && {
        if: "${{ parameters.environment === 'prod' }}",
      }),
    });
  }
  const publish = rand.weighted({
    'publish:github': 55,
    'publish:gitlab': 20,
    'publish:bitbucketServer': 5,
    none: 20,
  });
  if (publish !== 'none') {
    out.push({
      id: 'publish',
      name: 'Publish',
      action: publish,
      input: {
        repoUrl: '${{ parameters.repoUrl }}',
        description: '${{ parameters.description }}',
        ...(rand.chance(0.5) && { defaultBranch: 'main' }),
        ...(publish === 'publish:github' &&
          rand.chance(0.6) && {
            repoVisibility: rand.pick(['private', 'internal', 'public']),
          }),
        ...(publish === 'publish:github' &&
          rand.chance(0.1) && { token: '${{ secrets.githubToken }}' }),
      },
    });
    if (rand.chance(0.75)) {
      out.push({
        id: 'register',
        name: 'Register',
        action: 'catalog:register',
        input: {
          repoContentsUrl: "${{ steps['publish'].output.repoContentsUrl }}",
          catalogInfoPath: '/catalog-info.yaml',
        },
      });
    }
  }
  if (rand.chance(0.05)) {
    out.push({
      id: 'notify',
      name: 'Notify teams',
      action: 'http:backstage:request',
      each: ['team-a', 'team-b'],
      input: {
        method: 'POST',
        path: '/api/notifications',
        body: { team: '${{ each.value }}' },
      },
    });
  }
  return out;
}

/** Generates `count` templates owned by the given teams. */
function generateTemplates(options = {}) {
  const count = options.count ?? 200;
  const rand = createRandom((options.seed ?? 20261129) ^ 0x5eed);
  const teams = options.teams?.length ? options.teams : ['platform-team'];
  const templates = [];
  for (let i = 0; i < count; i++) {
    const kind = rand.pick(KINDS);
    const stack = rand.pick(STACKS);
    const name = `${stack}-${kind}-${i}`;
    const pages = parameterPages(rand);
    const stepList = steps(rand, pages);
    const hasPublish = stepList.some(s => s.id === 'publish');
    const hasRegister = stepList.some(s => s.id === 'register');
    templates.push({
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: {
        name,
        title: `${stack} ${kind} ${i}`,
        description: `Create a new ${stack} ${kind} from the golden path.`,
        tags: [stack, kind, ...(rand.chance(0.2) ? ['recommended'] : [])],
      },
      spec: {
        owner: rand.pick(teams),
        type: kind,
        parameters: pages,
        steps: stepList,
        ...(hasPublish && {
          output: {
            links: [
              {
                title: 'Repository',
                url: "${{ steps['publish'].output.remoteUrl }}",
              },
              ...(hasRegister
                ? [
                    {
                      title: 'Open in catalog',
                      icon: 'catalog',
                      entityRef: "${{ steps['register'].output.entityRef }}",
                    },
                  ]
                : []),
            ],
          },
        }),
      },
    });
  }
  return templates;
}

module.exports = { generateTemplates };
