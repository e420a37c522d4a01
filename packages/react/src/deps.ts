/**
 * The external imports of the package in one place (internal). Bundled, each external module is then
 * imported once instead of once per source file, which keeps the browser bundle within its budget.
 */
export {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
export type { ReactNode } from 'react';
export {
  DEFAULT_POLICY,
  STATUS_LABELS,
  amountsForOutcome,
  effectiveStatus,
  formatMoney,
  fromSessionJson,
  isFinalStatus,
  secondsUntil,
} from '@itutor/sessions-core';
export type {
  ParticipantRole,
  PublicSession,
  SessionErrorCode,
  SessionJson,
  SessionPolicy,
  SessionStatus,
} from '@itutor/sessions-core';
