/**
 * The host-app modules the README's examples import: declared here so the examples typecheck
 * (`check-readme.ts`). They stand for the host's own code and Next.js.
 */
declare module 'next/navigation' {
  export function useRouter(): { refresh(): void; push(href: string): void };
}

declare module '@/server/sessions' {
  import type { ProviderConnection, PublicSession, SessionPolicy } from '@itutor/sessions-core';
  export function getCurrentUser(): Promise<{ id: string }>;
  export const sessionsCore: {
    getSessionFor(id: string, userId: string): Promise<PublicSession>;
    readonly providers: { get(tutorId: string): Promise<ProviderConnection | null> };
    /** The policy in force (the core's `core.policy`). */
    readonly policy: SessionPolicy;
  };
}

/** Stripe.js, as much of it as the README's `confirm` example uses (its `PaymentIntentResult` shape). */
declare module '@stripe/stripe-js' {
  export type PaymentIntentResult =
    | { readonly paymentIntent: { readonly status: string }; readonly error?: undefined }
    | { readonly paymentIntent?: undefined; readonly error: { readonly message?: string } };
  export interface Stripe {
    confirmCardPayment(clientSecret: string): Promise<PaymentIntentResult>;
  }
  export function loadStripe(publishableKey: string): Promise<Stripe | null>;
}
