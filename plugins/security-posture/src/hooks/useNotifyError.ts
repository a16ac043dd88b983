import { useCallback } from 'react';
import { alertApiRef, ApiRef, useApi, useApiHolder } from '@backstage/core-plugin-api';
import * as frontendPluginApi from '@backstage/frontend-plugin-api';

interface ToastLike {
  post(toast: { title: string; status?: 'danger'; timeout?: number }): unknown;
}

/**
 * `toastApiRef` replaces the deprecated AlertApi in recent Backstage releases; releases this
 * plugin still supports (from 1.45) do not export it. It is looked up on the module object passed
 * as a value, so bundlers do not fail on a missing named export there.
 */
const frontendExports: Record<string, unknown> = frontendPluginApi;
const toastApiRef = frontendExports.toastApiRef as ApiRef<ToastLike> | undefined;

/**
 * Shows an error to the user: a toast where the app has the ToastApi, else an alert. One line of
 * text, as the legacy app's ToastApi forwards only the title to its alert display.
 */
export function useNotifyError(): (title: string, description?: string) => void {
  const holder = useApiHolder();
  const alertApi = useApi(alertApiRef);
  const toastApi = toastApiRef ? holder.get(toastApiRef) : undefined;
  return useCallback(
    (title: string, description?: string) => {
      const text = description ? `${title}: ${description}` : title;
      if (toastApi) {
        toastApi.post({ title: text, status: 'danger', timeout: 8000 });
        return;
      }
      alertApi.post({ message: text, severity: 'error', display: 'transient' });
    },
    [alertApi, toastApi],
  );
}
