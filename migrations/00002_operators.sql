-- +goose Up
-- Operators: the people on SIP softphones. Their SIP password is kept only as the
-- digest hash Asterisk needs (hex MD5 of "login:realm:password"). Operators are never
-- deleted, only disabled (active = false), so their history keeps pointing somewhere.
CREATE TABLE operators (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login        text        NOT NULL UNIQUE CHECK (login ~ '^[A-Za-z0-9._-]{2,32}$'),
    full_name    text        NOT NULL CHECK (btrim(full_name) <> ''),
    languages    text[]      NOT NULL
                 CHECK (cardinality(languages) > 0 AND languages <@ ARRAY['ru', 'kk']::text[]),
    lines        text[]      NOT NULL
                 CHECK (cardinality(lines) > 0 AND lines <@ ARRAY['109', '556655']::text[]),
    sip_realm    text        NOT NULL CHECK (sip_realm <> ''),
    sip_md5_cred text        NOT NULL CHECK (sip_md5_cred ~ '^[0-9a-f]{32}$'),
    active       boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
-- Logins differing only in case would be one SIP user to a person reading them.
CREATE UNIQUE INDEX operators_login_ci ON operators (lower(login));

CREATE TRIGGER operators_no_delete BEFORE DELETE ON operators
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER operators_no_truncate BEFORE TRUNCATE ON operators
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Every change of an operator's live state, in order; rows are only ever added.
CREATE TABLE operator_state_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id bigint      NOT NULL REFERENCES operators (id),
    at          timestamptz NOT NULL,
    from_state  text        NOT NULL
                CHECK (from_state IN ('offline', 'available', 'ringing', 'on_call', 'wrap_up', 'paused')),
    to_state    text        NOT NULL
                CHECK (to_state IN ('offline', 'available', 'ringing', 'on_call', 'wrap_up', 'paused')),
    reason      text        NOT NULL DEFAULT '',
    call_id     bigint      REFERENCES calls (id)
);
CREATE INDEX operator_state_log_operator_at ON operator_state_log (operator_id, at);

CREATE TRIGGER operator_state_log_append_only BEFORE UPDATE OR DELETE ON operator_state_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER operator_state_log_no_truncate BEFORE TRUNCATE ON operator_state_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- +goose Down
DROP TABLE operator_state_log;
DROP TABLE operators;
