-- +goose Up
-- The call path: queueing, the operator who answered, recordings of conversations.
ALTER TABLE calls
    ADD COLUMN priority       integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 9),
    ADD COLUMN queued_at      timestamptz,
    ADD COLUMN connected_at   timestamptz,
    ADD COLUMN operator_login text;
CREATE INDEX calls_operator ON calls (operator_login, arrived_at) WHERE operator_login IS NOT NULL;

-- Recordings of conversations. The audio is a file under the recordings folder; this
-- row is its metadata and checksum and is never deleted.
CREATE TABLE recordings (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id          bigint      NOT NULL REFERENCES calls (id),
    asterisk_id      text        NOT NULL,
    name             text        NOT NULL,  -- the stored recording's name on Asterisk
    format           text        NOT NULL DEFAULT 'wav',
    operator_login   text        NOT NULL DEFAULT '',
    state            text        NOT NULL DEFAULT 'recording'
                     CHECK (state IN ('recording', 'finished', 'stored', 'failed')),
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    stored_at        timestamptz,
    path             text,                  -- relative to the recordings folder
    sha256           text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes       bigint,
    duration_seconds double precision,
    attempts         integer     NOT NULL DEFAULT 0,
    last_error       text,
    UNIQUE (asterisk_id, name)
);
CREATE INDEX recordings_call ON recordings (call_id);
CREATE INDEX recordings_pending ON recordings (id) WHERE state IN ('recording', 'finished');
CREATE TRIGGER recordings_no_delete BEFORE DELETE ON recordings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE recordings;
DROP INDEX calls_operator;
ALTER TABLE calls DROP COLUMN priority, DROP COLUMN queued_at, DROP COLUMN connected_at, DROP COLUMN operator_login;
