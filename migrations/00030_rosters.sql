-- +goose Up
-- Shift plans and the rosters built from them. A later roster for the same week
-- replaces the earlier one when read; both are kept.
CREATE TABLE shift_plans (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at     timestamptz      NOT NULL,
    period_minutes integer          NOT NULL CHECK (period_minutes > 0 AND 1440 % period_minutes = 0),
    week_start     date             NOT NULL,
    operator_hours double precision NOT NULL CHECK (operator_hours >= 0),
    lower_bound    double precision NOT NULL CHECK (lower_bound >= 0)
);
CREATE INDEX shift_plans_week ON shift_plans (week_start, id);

CREATE TABLE roster_shifts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id         bigint      NOT NULL REFERENCES shift_plans (id),
    operator_login  text        NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    break_starts_at timestamptz,
    break_ends_at   timestamptz,
    CHECK ((break_starts_at IS NULL) = (break_ends_at IS NULL)),
    CHECK (break_starts_at IS NULL OR
           (break_starts_at >= starts_at AND break_ends_at > break_starts_at AND break_ends_at <= ends_at))
);
CREATE INDEX roster_shifts_time ON roster_shifts (starts_at, ends_at);
CREATE INDEX roster_shifts_operator ON roster_shifts (operator_login, starts_at);
CREATE INDEX roster_shifts_plan ON roster_shifts (plan_id);

-- +goose Down
DROP TABLE roster_shifts;
DROP TABLE shift_plans;
