import { HumanDuration } from '@backstage/types';

export interface Config {
  securityPosture?: {
    exemptions?: {
      /**
       * The longest an exemption may last (default 365 days); the backend enforces it, the
       * frontend bounds the expiry date picker with it. Declared by the backend plugin too.
       * @visibility frontend
       */
      maxDuration?: HumanDuration | string;
    };
  };
}
