-- +goose Up
-- Notifications to departments, written in the same transaction as the ticket change
-- they announce, and delivered later by whichever controller claims them.
CREATE TABLE ticket_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id       bigint      NOT NULL REFERENCES tickets (id),
    department_code text        NOT NULL REFERENCES departments (code),
    topic           text        NOT NULL,
    payload         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    -- When the message may next be claimed: a retry time, or the end of a lease.
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text        NOT NULL DEFAULT '',
    lease_token     bigint,
    done_at         timestamptz,
    outcome         text        CHECK (outcome IN ('delivered', 'no_endpoint', 'gave_up')),
    last_error      text        NOT NULL DEFAULT ''
);
CREATE INDEX ticket_outbox_pending ON ticket_outbox (next_attempt_at, id) WHERE done_at IS NULL;
CREATE INDEX ticket_outbox_ticket_pending ON ticket_outbox (ticket_id, id) WHERE done_at IS NULL;
CREATE INDEX ticket_outbox_ticket ON ticket_outbox (ticket_id, id);

-- Every delivery attempt, as it went.
CREATE TABLE ticket_outbox_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id   bigint      NOT NULL REFERENCES ticket_outbox (id),
    attempt     integer     NOT NULL,
    at          timestamptz NOT NULL,
    duration_ms double precision NOT NULL,
    url         text        NOT NULL DEFAULT '',
    status_code integer,
    outcome     text        NOT NULL CHECK (outcome IN ('delivered', 'failed', 'no_endpoint', 'gave_up')),
    error       text        NOT NULL DEFAULT '',
    worker      text        NOT NULL DEFAULT ''
);
CREATE INDEX ticket_outbox_attempts_message ON ticket_outbox_attempts (outbox_id, id);
CREATE TRIGGER ticket_outbox_attempts_append_only BEFORE UPDATE OR DELETE ON ticket_outbox_attempts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ticket_outbox_no_delete BEFORE DELETE ON ticket_outbox
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- +goose StatementBegin
DO $$
BEGIN
    IF current_user <> 'ikomek' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ikomek') THEN
        GRANT SELECT, INSERT, UPDATE ON ticket_outbox TO ikomek;
        GRANT SELECT, INSERT ON ticket_outbox_attempts TO ikomek;
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE ticket_outbox_attempts;
DROP TABLE ticket_outbox;
