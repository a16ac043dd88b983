/** What was sent for one alert: `owners:<fingerprint>`, `detection:<fingerprint>`, `grade:<scan>`. */
export interface SentNotification {
  alertKey: string;
  kind: 'owners' | 'detection' | 'grade';
  recipients: string[];
  sentAt: string;
}

/** Remembers sent alerts, so each one is sent once across restarts and replicas. */
export interface SentNotificationStore {
  /** Claims an alert before sending; false when it was already claimed (sent or being sent). */
  claim(record: SentNotification): Promise<boolean>;
  /** Gives up a claim whose notification could not be sent, so a later event may send it. */
  release(alertKey: string): Promise<void>;
  get(alertKey: string): Promise<SentNotification | undefined>;
}
