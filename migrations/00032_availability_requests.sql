-- +goose Up
-- Operators ask for days off and time off themselves; a supervisor approves or
-- declines. Only approved entries bind a roster. Entries made by supervisors are
-- approved as they are made, as all earlier ones were.
ALTER TABLE operator_availability
    ADD COLUMN status        text NOT NULL DEFAULT 'approved' CHECK (status IN ('pending', 'approved', 'declined')),
    ADD COLUMN decided_at    timestamptz,
    ADD COLUMN decided_by    text,
    ADD COLUMN decision_note text NOT NULL DEFAULT '' CHECK (char_length(decision_note) <= 500),
    ADD CHECK ((decided_at IS NULL) = (decided_by IS NULL));

-- A declined day off does not stop the same day being asked for again.
DROP INDEX operator_availability_day_off;
CREATE UNIQUE INDEX operator_availability_day_off ON operator_availability (operator_id, day)
    WHERE kind = 'day_off' AND removed_at IS NULL AND status <> 'declined';
CREATE INDEX operator_availability_pending ON operator_availability (created_at)
    WHERE status = 'pending' AND removed_at IS NULL;

-- +goose Down
DROP INDEX operator_availability_pending;
DROP INDEX operator_availability_day_off;
DELETE FROM operator_availability WHERE status <> 'approved';
CREATE UNIQUE INDEX operator_availability_day_off ON operator_availability (operator_id, day)
    WHERE kind = 'day_off' AND removed_at IS NULL;
ALTER TABLE operator_availability DROP COLUMN decision_note, DROP COLUMN decided_by,
    DROP COLUMN decided_at, DROP COLUMN status;
