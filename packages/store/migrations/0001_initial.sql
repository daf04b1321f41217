-- The gateway's state: virtual keys, end-users and one spend row per edit.
-- Money is USD in double precision (the router rounds every amount to 1e-10 USD before it lands here).

create table retouch_keys (
  -- SHA-256 of the key, hex. The key itself is never stored.
  token_hash text primary key,
  -- "sk-...abcd": enough to recognise a key in a list, not to use it.
  key_name text not null,
  key_alias text unique,
  -- Model groups the key may use; an empty list means every group.
  models jsonb not null default '[]',
  max_budget double precision,
  spend double precision not null default 0,
  -- "30s", "30m", "30h", "30d", "4w", "1mo": spend goes back to 0 each period.
  budget_duration text,
  budget_reset_at timestamptz,
  rpm_limit integer,
  tpm_limit integer,
  user_id text,
  team_id text,
  metadata jsonb not null default '{}',
  expires_at timestamptz,
  blocked boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index retouch_keys_user on retouch_keys (user_id);
create index retouch_keys_team on retouch_keys (team_id);

create table retouch_end_users (
  user_id text primary key,
  alias text,
  max_budget double precision,
  spend double precision not null default 0,
  budget_duration text,
  budget_reset_at timestamptz,
  blocked boolean not null default false,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table retouch_spend_logs (
  -- One per row, made by the proxy: retried batches insert each row once (request ids come from clients).
  id uuid primary key,
  request_id text not null,
  started_at timestamptz not null,
  ended_at timestamptz not null,
  -- SHA-256 of the key, hex (as retouch_keys.token_hash); null in open mode.
  api_key text,
  key_alias text,
  end_user text,
  team_id text,
  model_group text,
  deployment_id text,
  provider text,
  model text,
  -- null when the cost cannot be known (never a made-up 0).
  spend double precision,
  prompt_tokens integer,
  completion_tokens integer,
  total_tokens integer,
  usage jsonb,
  latency_ms integer,
  attempts integer not null default 0,
  status text not null,
  error_code text,
  warnings jsonb not null default '[]',
  -- Only with general_settings.store_prompts_in_spend_logs; never image bytes.
  prompt text,
  metadata jsonb not null default '{}'
);
create index retouch_spend_logs_time on retouch_spend_logs (started_at);
create index retouch_spend_logs_key on retouch_spend_logs (api_key, started_at);
create index retouch_spend_logs_user on retouch_spend_logs (end_user, started_at);
create index retouch_spend_logs_group on retouch_spend_logs (model_group, started_at);
create index retouch_spend_logs_request on retouch_spend_logs (request_id);
