import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import {
  ExposureLevel,
  FindingExposure,
} from '@security-posture/plugin-security-posture-common';

const EXPOSURE_LABELS: Record<ExposureLevel, string> = {
  anyone: 'Open to anyone',
  guests: 'Open to guests',
  'signed-in': 'Open to every signed-in user',
  owners: 'Owners only',
};

export function exposureLabel(level: ExposureLevel): string {
  return EXPOSURE_LABELS[level] ?? level;
}

/**
 * Who can reach what a finding is about (read the entity, run the template, use the
 * permission); the tooltip gives the policy decision it comes from.
 */
export function ExposureChip(props: { exposure: FindingExposure }) {
  const { exposure } = props;
  const wide = exposure.level !== 'owners';
  return (
    <Tooltip title={exposure.basis}>
      <Chip
        size="small"
        variant="outlined"
        color={wide ? 'secondary' : 'default'}
        label={exposureLabel(exposure.level)}
        aria-label={`${exposureLabel(exposure.level)}: ${exposure.basis}`}
        data-testid={`exposure-${exposure.level}`}
      />
    </Tooltip>
  );
}
