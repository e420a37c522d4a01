-- Stripe webhook events already handled, so a replayed or duplicated delivery is handled once — also after
-- a restart (Stripe delivers at least once, and retries a failed delivery for up to three days). The
-- `StripeEventStore` of `@itutor/sessions-stripe`, implemented by this package's
-- createSqlStripeEventStore / createSupabaseStripeEventStore over the functions below.
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

-- Records the event as handled. True for exactly one caller per event id (the first), also when two
-- deliveries race: the loser's insert waits for the winner's commit, then does nothing.
create function public.itutor_remember_stripe_event(p_event_id text)
returns boolean
language sql
set search_path = ''
as $$
  with inserted as (
    insert into public.stripe_events (event_id)
    values (p_event_id)
    on conflict (event_id) do nothing
    returning 1
  )
  select exists (select 1 from inserted)
$$;

-- Forgets an event whose handling failed, so Stripe's next delivery of it is handled. True if it was there.
create function public.itutor_forget_stripe_event(p_event_id text)
returns boolean
language sql
set search_path = ''
as $$
  with removed as (
    delete from public.stripe_events as e
    where e.event_id = p_event_id
    returning 1
  )
  select exists (select 1 from removed)
$$;

-- Forgets events first handled before p_before (past Stripe's retry window); returns how many.
create function public.itutor_forget_stripe_events_before(p_before timestamptz)
returns integer
language sql
set search_path = ''
as $$
  with removed as (
    delete from public.stripe_events as e
    where e.received_at < p_before
    returning 1
  )
  select count(*)::integer from removed
$$;

revoke all on function public.itutor_remember_stripe_event(text) from public, anon, authenticated;
revoke all on function public.itutor_forget_stripe_event(text) from public, anon, authenticated;
revoke all on function public.itutor_forget_stripe_events_before(timestamptz) from public, anon, authenticated;

grant execute on function public.itutor_remember_stripe_event(text) to service_role;
grant execute on function public.itutor_forget_stripe_event(text) to service_role;
grant execute on function public.itutor_forget_stripe_events_before(timestamptz) to service_role;
