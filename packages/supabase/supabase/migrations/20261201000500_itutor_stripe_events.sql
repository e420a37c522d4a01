-- iTutor Sessions: Stripe webhook events.
--
-- Stripe webhook events already handled, so a replayed or duplicated delivery is handled once — also after
-- a restart (Stripe delivers at least once, and retries a failed delivery for up to three days). The
-- `StripeEventStore` of `@itutor/sessions-stripe`, implemented by this package's
-- createSqlStripeEventStore / createSupabaseStripeEventStore over its repository functions (20261201000600).
--
-- Server-side only: RLS on, no client grant at all; the service role may read, record and forget rows,
-- never update them.

create table public.stripe_events (
  event_id text not null
    constraint stripe_events_event_id_is_not_blank check (length(event_id) between 1 and 255),
  received_at timestamptz not null default now(),
  constraint stripe_events_pkey primary key (event_id)
);

alter table public.stripe_events enable row level security;

comment on table public.stripe_events is
  'Stripe webhook events already handled (deduplication by event id). Server-side only.';

comment on column public.stripe_events.received_at is 'When the event was first handled (the database''s clock).';

-- For pruning rows past Stripe's retry window.
create index stripe_events_received_at_idx on public.stripe_events (received_at);

revoke all on table public.stripe_events from public, anon, authenticated, service_role;

grant select, insert, delete on table public.stripe_events to service_role;

create policy "The service role can read handled Stripe events"
  on public.stripe_events
  for select
  to service_role
  using (true);

create policy "The service role can record handled Stripe events"
  on public.stripe_events
  for insert
  to service_role
  with check (true);

create policy "The service role can forget Stripe events"
  on public.stripe_events
  for delete
  to service_role
  using (true);
