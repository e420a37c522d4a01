-- iTutor Sessions: fewer random index pages written per settled session on a large table.
--
-- Settling a session writes entries into every B-tree keyed by something random (the session's uuid,
-- the attempt's idempotency key). On a table of millions of sessions those leaves are spread over far
-- more pages than shared_buffers holds, so each settled session reads, dirties and (first after a
-- checkpoint) WAL-logs a whole page per such index. Two of those writes are not needed:
--
-- 1. The ledger's idempotency keys. The SDK's keys are derived from the attempt
--    (`itutor-session-<session id>-<outcome>-<attempt>`, core's chargeIdempotencyKey; before the
--    ledger, `itutor-session-<session id>-<outcome>` for attempt 1), so two equal SDK keys are the same
--    (session_id, attempt), which the primary key already keeps unique. A check pins that form for every
--    key that starts with `itutor-session-` (case-insensitively), and the unique index now holds only the
--    keys of any other form (none are written by the SDK): every key is still unique across the whole
--    ledger, and a reused key is still refused with unique_violation (23505) — by the primary key for
--    SDK keys, by the partial unique index for any other key. The SDK's attempts no longer write the
--    widest random index of the ledger (about 70 bytes per entry, a page read and written per attempt).
--
-- 2. Room for a session's next row versions on its own page. A settled session gets three new row
--    versions (the claim's lease, the settlement, the charge answer). At fillfactor 80 a page has room
--    for about three of them, so most versions moved to whatever page the free-space map offered — on a
--    large table, pages of unrelated sessions all over the heap (each read, dirtied and WAL-logged) — and
--    a lease that moved is not HOT (a new entry in every index of sessions, the due index included,
--    which the next claims then read past). Fillfactor 60 keeps them on the session's page. Applies to
--    pages written from now on (new sessions); the heap is about a third larger than at 80.

-- ---------------------------------------------------------------------------------------------------
-- The ledger's idempotency keys.
-- ---------------------------------------------------------------------------------------------------

-- A key in the SDK's namespace must be the one derived from its own attempt (case-insensitively; the
-- pre-ledger form counts for attempt 1). Equal derived keys then name the same (session_id, attempt),
-- which the primary key keeps unique. Checked for the rows already there too (the SDK's keys pass).
alter table public.session_charges
  add constraint session_charges_sdk_keys_are_derived check (
    lower(idempotency_key) not like 'itutor-session-%'
    or (
      lower(idempotency_key) = lower('itutor-session-' || session_id::text || '-' || outcome || '-' || attempt::text)
      or (attempt = 1 and lower(idempotency_key) = lower('itutor-session-' || session_id::text || '-' || outcome))
    )
  );

-- Every other key (none written by the SDK) stays unique through a partial unique index. A derived key
-- can never equal one of these (they do not start with itutor-session-), so together the two keep every
-- key unique across the ledger.
create unique index session_charges_other_idempotency_keys_key on public.session_charges (idempotency_key)
  where not (
    lower(idempotency_key) = lower('itutor-session-' || session_id::text || '-' || outcome || '-' || attempt::text)
    or (attempt = 1 and lower(idempotency_key) = lower('itutor-session-' || session_id::text || '-' || outcome))
  );

alter table public.session_charges drop constraint session_charges_idempotency_key_key;

comment on column public.session_charges.idempotency_key is
  'Server-side only: the gateway deduplicates on it. Never selectable by clients. Unique across the ledger: a key starting with itutor-session- must be the one derived from its attempt (unique with the primary key); any other key is kept unique by session_charges_other_idempotency_keys_key.';

-- ---------------------------------------------------------------------------------------------------
-- Room on a session's page for its next row versions.
-- ---------------------------------------------------------------------------------------------------

alter table public.sessions set (fillfactor = 60);
