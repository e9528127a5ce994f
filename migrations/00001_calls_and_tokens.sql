-- +goose Up
-- Calls as Asterisk saw them, keyed by (asterisk_id, channel_id): several Asterisk
-- servers may share this database.
CREATE TABLE calls (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asterisk_id       text        NOT NULL,
    channel_id        text        NOT NULL,
    line              text        NOT NULL,
    caller_number     text        NOT NULL DEFAULT '',
    caller_name       text        NOT NULL DEFAULT '',
    language          text        NOT NULL DEFAULT '',
    state             text        NOT NULL DEFAULT 'arrived'
                      CHECK (state IN ('arrived', 'greeting', 'queued', 'ringing', 'connected', 'ended')),
    outcome           text        CHECK (outcome IN ('completed', 'answered', 'abandoned', 'failed')),
    arrived_at        timestamptz NOT NULL,
    answered_at       timestamptz,
    ended_at          timestamptz,
    hangup_cause      integer,
    hangup_cause_text text,
    UNIQUE (asterisk_id, channel_id)
);
CREATE INDEX calls_arrived_at ON calls (arrived_at);
CREATE INDEX calls_caller_number ON calls (caller_number, arrived_at);
CREATE INDEX calls_open ON calls (asterisk_id) WHERE ended_at IS NULL;

-- What happened to a call, in order; rows are only ever added.
CREATE TABLE call_events (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id bigint      NOT NULL REFERENCES calls (id),
    at      timestamptz NOT NULL,
    type    text        NOT NULL,
    detail  jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX call_events_call ON call_events (call_id, id);

-- +goose StatementBegin
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: rows are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER call_events_append_only BEFORE UPDATE OR DELETE ON call_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER calls_no_delete BEFORE DELETE ON calls
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- API bearer tokens: only the SHA-256 of a token is stored.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL CHECK (name <> ''),
    role         text        NOT NULL
                 CHECK (role IN ('operator', 'supervisor', 'qc', 'department', 'admin', 'open311')),
    subject      text        NOT NULL DEFAULT '',
    token_hash   bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE call_events;
DROP TABLE calls;
DROP FUNCTION refuse_change();
