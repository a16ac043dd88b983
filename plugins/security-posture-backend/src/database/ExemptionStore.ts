import {
  Exemption,
  ExemptionKind,
  ExemptionScope,
  ExemptionsQuery,
} from '@security-posture/plugin-security-posture-common';
import { FindingsVisibility } from './PostureStore';

/** An exemption as the service has checked it, ready to be stored. */
export interface ExemptionInput {
  scope: ExemptionScope;
  kind: ExemptionKind;
  reason: string;
  ticket?: string;
  createdBy: string;
  expiresAt?: string;
}

/**
 * Where exemptions are kept. States are decided when read (`active` until revoked or past
 * `expiresAt`), against the store's clock.
 */
export interface ExemptionStore {
  createExemption(input: ExemptionInput): Promise<Exemption>;
  getExemption(id: string): Promise<Exemption | undefined>;
  /**
   * Newest decisions last: active ones first (soonest expiry first, those without expiry after
   * them), then expired and revoked ones, newest first. With `entities` visibility, only
   * exemptions about one of those entities.
   */
  listExemptions(
    query: ExemptionsQuery,
    visibility: FindingsVisibility,
  ): Promise<{ items: Exemption[]; totalItems: number }>;
  /** Entities that exemptions are about (their finding's entity, or the target entity). */
  listExemptionEntityRefs(): Promise<string[]>;
  /**
   * Marks an exemption revoked; undefined when there is none with that id. An exemption already
   * revoked is returned unchanged.
   */
  revokeExemption(id: string, revokedBy: string): Promise<Exemption | undefined>;
}
