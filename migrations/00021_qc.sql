-- +goose Up
-- Quality control: scoring forms, complaint cases, reviews and the review queue.

-- A scoring form never changes once created (reviews refer to it); a new form
-- replaces an old one by deactivating it.
CREATE TABLE qc_forms (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL CHECK (name <> ''),
    criteria   jsonb       NOT NULL,
    active     boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    created_by text        NOT NULL DEFAULT ''
);

-- A complaint about the center: opened by a call to the QC line (complaint_call_id)
-- or by a reviewer; call_id is the call complained about once it is found.
CREATE TABLE qc_cases (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source            text        NOT NULL CHECK (source IN ('line', 'reviewer')),
    complaint_call_id bigint      UNIQUE REFERENCES calls (id),
    call_id           bigint      REFERENCES calls (id),
    operator_login    text        NOT NULL DEFAULT '',
    ticket_reference  text        NOT NULL DEFAULT '',
    caller_number     text        NOT NULL DEFAULT '',
    description       text        NOT NULL DEFAULT '',
    status            text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    resolution        text        NOT NULL DEFAULT '',
    opened_at         timestamptz NOT NULL,
    opened_by         text        NOT NULL DEFAULT '',
    closed_at         timestamptz,
    CHECK (source <> 'line' OR complaint_call_id IS NOT NULL)
);
CREATE INDEX qc_cases_call ON qc_cases (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX qc_cases_status ON qc_cases (status, opened_at);
CREATE TRIGGER qc_cases_no_delete BEFORE DELETE ON qc_cases
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Reviews of calls: a correction is a new review, never an edit.
CREATE TABLE qc_reviews (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id        bigint      NOT NULL REFERENCES calls (id),
    operator_login text        NOT NULL,
    case_id        bigint      REFERENCES qc_cases (id),
    form_id        bigint      NOT NULL REFERENCES qc_forms (id),
    scores         jsonb       NOT NULL,
    total          double precision NOT NULL CHECK (total BETWEEN 0 AND 100),
    outcome        text        NOT NULL CHECK (outcome IN ('no_issue', 'coaching', 'warning')),
    notes          text        NOT NULL DEFAULT '',
    reviewer_token bigint,
    reviewer_name  text        NOT NULL,
    reviewer_role  text        NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX qc_reviews_operator ON qc_reviews (operator_login, created_at);
CREATE INDEX qc_reviews_call ON qc_reviews (call_id);
CREATE TRIGGER qc_reviews_append_only BEFORE UPDATE OR DELETE ON qc_reviews
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER qc_reviews_no_truncate BEFORE TRUNCATE ON qc_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Calls picked for review, per ISO week ("2026-W48").
CREATE TABLE qc_queue (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    week           text        NOT NULL CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    call_id        bigint      NOT NULL REFERENCES calls (id),
    operator_login text        NOT NULL,
    reason         text        NOT NULL CHECK (reason IN ('sample', 'case')),
    share          double precision NOT NULL,
    seed           bigint      NOT NULL,
    queued_at      timestamptz NOT NULL,
    UNIQUE (week, call_id)
);
CREATE INDEX qc_queue_operator ON qc_queue (operator_login, week);

-- +goose Down
DROP TABLE qc_queue;
DROP TABLE qc_reviews;
DROP TABLE qc_cases;
DROP TABLE qc_forms;
