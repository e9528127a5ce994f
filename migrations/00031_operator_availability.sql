-- +goose Up
-- Operators' personal work rules and availability, read when a roster is built.

-- One row per operator with rules set. Times of day are minutes after midnight,
-- weekdays 0 = Sunday .. 6 = Saturday (Go's time.Weekday, PostgreSQL's dow).
CREATE TABLE operator_work_rules (
    operator_id     bigint           PRIMARY KEY REFERENCES operators (id),
    max_week_hours  double precision CHECK (max_week_hours > 0 AND max_week_hours <= 168),
    prefer_starts   integer[]        NOT NULL DEFAULT '{}'
                    CHECK (0 <= ALL (prefer_starts) AND 1440 > ALL (prefer_starts) AND cardinality(prefer_starts) <= 48),
    prefer_weekdays smallint[]       NOT NULL DEFAULT '{}'
                    CHECK (0 <= ALL (prefer_weekdays) AND 6 >= ALL (prefer_weekdays)),
    avoid_nights    boolean          NOT NULL DEFAULT false,
    updated_at      timestamptz      NOT NULL,
    updated_by      text             NOT NULL CHECK (updated_by <> '')
);

-- Days off (a local date) and unavailable spans (requests). Removing an entry
-- marks it removed, so who took a day off back stays known.
CREATE TABLE operator_availability (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id bigint      NOT NULL REFERENCES operators (id),
    kind        text        NOT NULL CHECK (kind IN ('day_off', 'unavailable')),
    day         date,
    starts_at   timestamptz,
    ends_at     timestamptz,
    reason      text        NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL CHECK (created_by <> ''),
    removed_at  timestamptz,
    removed_by  text,
    CHECK ((kind = 'day_off') = (day IS NOT NULL)),
    CHECK ((kind = 'unavailable') = (starts_at IS NOT NULL AND ends_at IS NOT NULL)),
    CHECK (kind = 'unavailable' OR (starts_at IS NULL AND ends_at IS NULL)),
    CHECK (ends_at > starts_at),
    CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
CREATE UNIQUE INDEX operator_availability_day_off ON operator_availability (operator_id, day)
    WHERE kind = 'day_off' AND removed_at IS NULL;
CREATE INDEX operator_availability_span ON operator_availability (starts_at, ends_at)
    WHERE kind = 'unavailable' AND removed_at IS NULL;
CREATE INDEX operator_availability_day ON operator_availability (day)
    WHERE kind = 'day_off' AND removed_at IS NULL;

-- +goose StatementBegin
DO $$
BEGIN
    IF current_user <> 'ikomek' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ikomek') THEN
        GRANT SELECT, INSERT, UPDATE ON operator_work_rules, operator_availability TO ikomek;
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE operator_availability;
DROP TABLE operator_work_rules;
