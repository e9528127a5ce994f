-- +goose Up
-- pg_trgm makes "address contains" searches use an index; it is a trusted extension,
-- so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Per-year numbers of public references (109-2026-000123). Gaps are allowed; the
-- reference column is unique.
CREATE TABLE ticket_reference_counters (
    year integer PRIMARY KEY,
    last bigint  NOT NULL
);

-- A ticket for every call and every request from the web, social media or Open311.
CREATE TABLE tickets (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference              text        NOT NULL UNIQUE,
    channel                text        NOT NULL CHECK (channel IN ('phone', 'web', 'social', 'api')),
    call_id                bigint      UNIQUE REFERENCES calls (id),
    line                   text        NOT NULL DEFAULT '',
    recording_id           bigint,
    operator_login         text        NOT NULL DEFAULT '',
    -- The caller's personal data: blanked by anonymisation after the retention period.
    caller_number          text        NOT NULL DEFAULT '',
    caller_first_name      text        NOT NULL DEFAULT '',
    caller_last_name       text        NOT NULL DEFAULT '',
    caller_email           text        NOT NULL DEFAULT '',
    caller_device_id       text        NOT NULL DEFAULT '',
    caller_account_id      text        NOT NULL DEFAULT '',
    anonymised_at          timestamptz,
    service_code           text        REFERENCES categories (service_code),
    department_code        text        REFERENCES departments (code),
    status                 text        NOT NULL CHECK (status IN ('registered', 'assigned', 'acknowledged',
                               'in_progress', 'resolved', 'closed', 'reopened', 'duplicate', 'cancelled')),
    priority               text        NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'emergency')),
    address                text        NOT NULL DEFAULT '',
    address_id             text        NOT NULL DEFAULT '',
    area                   text        NOT NULL DEFAULT '',
    lat                    double precision CHECK (lat BETWEEN -90 AND 90),
    long                   double precision CHECK (long BETWEEN -180 AND 180),
    description            text        NOT NULL DEFAULT '',
    attributes             jsonb       NOT NULL DEFAULT '{}',
    media_url              text        NOT NULL DEFAULT '',
    status_notes           text        NOT NULL DEFAULT '',
    -- The SLA policy in force when the category was first set, copied so that later
    -- policy changes never move this ticket's deadlines.
    sla_policy_id          bigint      REFERENCES sla_policies (id),
    sla_policy_version     integer,
    response_due_at        timestamptz,
    resolution_due_at      timestamptz,
    acknowledged_at        timestamptz,
    resolved_at            timestamptz,
    closed_at              timestamptz,
    response_breached_at   timestamptz,
    resolution_breached_at timestamptz,
    escalation_level       integer     NOT NULL DEFAULT 0,
    last_escalated_at      timestamptz,
    next_escalation_at     timestamptz,
    duplicate_of           bigint      REFERENCES tickets (id) CHECK (duplicate_of <> id),
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    version                integer     NOT NULL DEFAULT 1,
    CHECK (status <> 'duplicate' OR duplicate_of IS NOT NULL),
    CHECK ((lat IS NULL) = (long IS NULL))
);
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_caller ON tickets (caller_number, created_at) WHERE caller_number <> '';
CREATE INDEX tickets_category ON tickets (service_code, created_at);
CREATE INDEX tickets_department ON tickets (department_code, status, created_at);
CREATE INDEX tickets_address_trgm ON tickets USING gin (address gin_trgm_ops);
CREATE INDEX tickets_duplicate_of ON tickets (duplicate_of) WHERE duplicate_of IS NOT NULL;
-- The sweeper's work list: only tickets with an escalation still ahead are indexed.
CREATE INDEX tickets_escalation_due ON tickets (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
-- Overdue lists: open tickets only.
CREATE INDEX tickets_response_due ON tickets (response_due_at)
    WHERE acknowledged_at IS NULL AND status IN ('registered', 'assigned', 'reopened');
CREATE INDEX tickets_resolution_due ON tickets (resolution_due_at)
    WHERE resolved_at IS NULL AND status IN ('registered', 'assigned', 'acknowledged', 'in_progress', 'reopened');
CREATE INDEX tickets_retention ON tickets (closed_at)
    WHERE anonymised_at IS NULL AND status IN ('closed', 'duplicate', 'cancelled');

-- What happened to a ticket, in order; rows are only ever added.
CREATE TABLE ticket_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     bigint      NOT NULL REFERENCES tickets (id),
    at            timestamptz NOT NULL,
    type          text        NOT NULL,
    from_status   text,
    to_status     text,
    reason        text        NOT NULL DEFAULT '',
    public        boolean     NOT NULL DEFAULT false,
    actor_role    text        NOT NULL,
    actor_name    text        NOT NULL,
    actor_subject text        NOT NULL DEFAULT '',
    actor_token   bigint,
    detail        jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- Further callers reporting the same problem: the original ticket keeps them all.
CREATE TABLE ticket_reporters (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id          bigint      NOT NULL REFERENCES tickets (id),
    reporter_ticket_id bigint      NOT NULL UNIQUE REFERENCES tickets (id),
    channel            text        NOT NULL,
    caller_number      text        NOT NULL DEFAULT '',
    caller_name        text        NOT NULL DEFAULT '',
    caller_email       text        NOT NULL DEFAULT '',
    attached_at        timestamptz NOT NULL,
    attached_by        text        NOT NULL,
    anonymised_at      timestamptz,
    CHECK (ticket_id <> reporter_ticket_id)
);
CREATE INDEX ticket_reporters_ticket ON ticket_reporters (ticket_id, id);
CREATE INDEX ticket_reporters_caller ON ticket_reporters (caller_number) WHERE caller_number <> '';

-- No complaint can be hidden or deleted: the database refuses, whoever asks.
CREATE TRIGGER tickets_no_delete BEFORE DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER tickets_no_truncate BEFORE TRUNCATE ON tickets
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ticket_events_no_truncate BEFORE TRUNCATE ON ticket_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ticket_reporters_no_delete BEFORE DELETE ON ticket_reporters
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ticket_reporters_no_truncate BEFORE TRUNCATE ON ticket_reporters
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Privileges as a second lock. The role running the migrations owns the tables (the
-- application's role in a single-role setup) and gives up deleting and rewriting; when
-- the application connects as another role ("ikomek"), it gets only what it needs.
-- +goose StatementBegin
DO $$
BEGIN
    REVOKE DELETE, TRUNCATE ON tickets, ticket_events, ticket_reporters FROM PUBLIC;
    REVOKE UPDATE ON ticket_events FROM PUBLIC;
    EXECUTE format('REVOKE DELETE, TRUNCATE ON tickets, ticket_events, ticket_reporters FROM %I', current_user);
    EXECUTE format('REVOKE UPDATE ON ticket_events FROM %I', current_user);
    IF current_user <> 'ikomek' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ikomek') THEN
        GRANT SELECT, INSERT, UPDATE ON tickets, ticket_reporters, ticket_reference_counters TO ikomek;
        GRANT SELECT, INSERT ON ticket_events TO ikomek;
        GRANT USAGE, SELECT ON SEQUENCE tickets_id_seq TO ikomek;
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE ticket_reporters;
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE ticket_reference_counters;
