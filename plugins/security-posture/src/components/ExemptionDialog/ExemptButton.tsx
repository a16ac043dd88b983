import { useState } from 'react';
import Button from '@material-ui/core/Button';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Finding,
  securityPostureExemptionCreatePermission,
  securityPostureReportReadPermission,
} from '@security-posture/plugin-security-posture-common';
import { ExemptionDialog } from './ExemptionDialog';

/**
 * "Exempt" for an open or exempted finding, shown to who may exempt it: for a finding of an
 * entity, who holds the exemption permission for that entity (e.g. its owners, if the policy
 * says so); for a deployment-wide finding, who reads the whole report. The server decides again.
 */
export function ExemptButton(props: { finding: Finding; size?: 'small' | 'medium' }) {
  const { finding, size = 'small' } = props;
  const [open, setOpen] = useState(false);
  const permission = usePermission(
    finding.entityRef
      ? { permission: securityPostureExemptionCreatePermission, resourceRef: finding.entityRef }
      : { permission: securityPostureReportReadPermission },
  );
  if (finding.status === 'resolved' || permission.loading || !permission.allowed) {
    return null;
  }
  return (
    <>
      <Button
        size={size}
        variant="outlined"
        onClick={() => setOpen(true)}
        data-testid={`exempt-${finding.fingerprint}`}
      >
        {finding.status === 'exempted' ? 'Exempt again' : 'Exempt'}
      </Button>
      {open ? (
        <ExemptionDialog finding={finding} open onClose={() => setOpen(false)} />
      ) : null}
    </>
  );
}
