export interface Config {
  securityPosture?: {
    /**
     * Backstage notifications about the security posture (the notifications module,
     * `@security-posture/plugin-security-posture-backend-module-notifications`). Off unless
     * `enabled` is true: a production deployment turns them on deliberately, once recipients and
     * the platform team are set.
     */
    notifications?: {
      /**
       * Send notifications. Defaults to false.
       * @visibility backend
       */
      enabled?: boolean;
      /**
       * Entity refs (groups or users) that hear about grade drops and detections, e.g.
       * `group:default/platform-team`. Without any, those notifications are not sent.
       * @visibility backend
       */
      platformTeam?: string[];
      /**
       * Severities of new findings that notify the owners of their entity. Defaults to
       * critical and high.
       * @visibility backend
       */
      ownerSeverities?: Array<'critical' | 'high' | 'medium' | 'low' | 'info'>;
      /**
       * Where the app mounts the Security page, for links in notifications. Defaults to
       * `/security`.
       * @visibility backend
       */
      securityPagePath?: string;
    };
  };
}
