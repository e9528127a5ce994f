-- +goose Up
-- Who listened to or downloaded which recording, and who was refused: rows are only
-- ever added. recording_id has no foreign key so that attempts on ids that do not
-- exist are kept too.
CREATE TABLE recording_access (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    recording_id bigint      NOT NULL,
    call_id      bigint,
    action       text        NOT NULL CHECK (action IN ('listen', 'download', 'denied')),
    token_id     bigint,
    token_name   text        NOT NULL DEFAULT '',
    role         text        NOT NULL DEFAULT '',
    subject      text        NOT NULL DEFAULT '',
    remote_addr  text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT '',
    http_range   text        NOT NULL DEFAULT '',
    reason       text        NOT NULL DEFAULT ''
);
CREATE INDEX recording_access_recording ON recording_access (recording_id, at);
CREATE INDEX recording_access_token ON recording_access (token_id, at);
CREATE INDEX recording_access_at ON recording_access (at);
CREATE TRIGGER recording_access_append_only BEFORE UPDATE OR DELETE ON recording_access
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recording_access_no_truncate BEFORE TRUNCATE ON recording_access
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Audio files removed by the retention policy; the recording's metadata stays.
CREATE TABLE recording_removals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recording_id bigint      NOT NULL UNIQUE REFERENCES recordings (id),
    removed_at   timestamptz NOT NULL,
    reason       text        NOT NULL,
    path         text        NOT NULL,
    sha256       text        NOT NULL DEFAULT ''
);
CREATE TRIGGER recording_removals_append_only BEFORE UPDATE OR DELETE ON recording_removals
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recording_removals_no_truncate BEFORE TRUNCATE ON recording_removals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE recording_removals;
DROP TABLE recording_access;
