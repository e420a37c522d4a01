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
export type { ButtonHTMLAttributes, HTMLAttributes, ReactNode, RefObject } from 'react';
export { Slot } from '@radix-ui/react-slot';
export {
  STATUS_LABELS,
  effectiveStatus,
  formatMoney,
  fromSessionJson,
  isFinalStatus,
  joinGuard,
  noShowGuard,
  secondsUntil,
  sessionPhase,
  tutorAbsentGuard,
} from '@itutor/sessions-core/rules';
export type { GuardResult, NoShowQuote, SessionPhase } from '@itutor/sessions-core/rules';
export type { ParticipantRole, PublicSession, SessionError, SessionJson, SessionStatus } from '@itutor/sessions-core';
export { createActionStore, getCancellationPreview, postSessionAction, toSessionError } from '@itutor/sessions-core/client';
export type {
  ActionOutcome,
  ActionState,
  ActionStatus,
  CancellationQuoteJson,
  JoinFunction,
  JoinResult,
  MarkNoShowFunction,
  SessionAction,
} from '@itutor/sessions-core/client';
