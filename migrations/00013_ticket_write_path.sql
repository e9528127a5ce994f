-- +goose Up
-- The sweeper's work list moves out of the tickets table into a narrow table of its
-- own. With next_escalation_at indexed on tickets, every escalation was a non-HOT
-- update that wrote a new entry into each of the table's indexes, the address
-- trigram index included. Now no index of tickets covers a column the sweeper
-- writes, so its updates stay on the page (HOT; hence the free space left on each
-- page), and the due times are kept in two small b-trees.
CREATE TABLE ticket_escalation_queue (
    ticket_id bigint      PRIMARY KEY REFERENCES tickets (id),
    due_at    timestamptz NOT NULL
);
CREATE INDEX ticket_escalation_queue_due ON ticket_escalation_queue (due_at);

INSERT INTO ticket_escalation_queue (ticket_id, due_at)
    SELECT id, next_escalation_at FROM tickets WHERE next_escalation_at IS NOT NULL;
DROP INDEX tickets_escalation_due;
ALTER TABLE tickets SET (fillfactor = 80);

-- The queue follows tickets.next_escalation_at on every UPDATE, whichever code runs
-- it, one set-based pass per statement. New tickets are added by the insert itself.
-- +goose StatementBegin
CREATE FUNCTION tickets_sync_escalation_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ticket_escalation_queue q
        USING new_rows n JOIN old_rows o ON o.id = n.id
        WHERE q.ticket_id = n.id AND n.next_escalation_at IS NULL AND o.next_escalation_at IS NOT NULL;
    INSERT INTO ticket_escalation_queue (ticket_id, due_at)
        SELECT n.id, n.next_escalation_at FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.next_escalation_at IS NOT NULL AND n.next_escalation_at IS DISTINCT FROM o.next_escalation_at
        ON CONFLICT (ticket_id) DO UPDATE SET due_at = EXCLUDED.due_at;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER tickets_escalation_queue AFTER UPDATE ON tickets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_sync_escalation_queue();

-- Two indexes served the same look-ups by ticket; the full one is enough, and each
-- notification now writes one index entry fewer.
DROP INDEX ticket_outbox_ticket_pending;

-- The catalogue's generation: every change of categories, departments or SLA
-- policies moves it on. The controller keeps what new tickets read from the
-- catalogue in memory and writes each batch of new tickets with a check that the
-- generation it read is still current, in the batch's own transaction.
CREATE TABLE catalog_generation (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    n         bigint  NOT NULL
);
INSERT INTO catalog_generation (singleton, n) VALUES (true, 1);

-- +goose StatementBegin
CREATE FUNCTION bump_catalog_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_generation SET n = n + 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER categories_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation();
CREATE TRIGGER departments_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON departments
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation();
CREATE TRIGGER sla_policies_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_policies
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation();

-- +goose StatementBegin
CREATE FUNCTION check_catalog_generation(seen bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT n FROM catalog_generation) IS DISTINCT FROM seen THEN
        RAISE EXCEPTION 'the catalogue changed (generation % was read)', seen USING ERRCODE = 'IK001';
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
BEGIN
    IF current_user <> 'ikomek' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ikomek') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON ticket_escalation_queue TO ikomek;
        GRANT SELECT, UPDATE ON catalog_generation TO ikomek;
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION check_catalog_generation(bigint);
DROP TRIGGER sla_policies_generation ON sla_policies;
DROP TRIGGER departments_generation ON departments;
DROP TRIGGER categories_generation ON categories;
DROP FUNCTION bump_catalog_generation();
DROP TABLE catalog_generation;
CREATE INDEX ticket_outbox_ticket_pending ON ticket_outbox (ticket_id, id) WHERE done_at IS NULL;
DROP TRIGGER tickets_escalation_queue ON tickets;
DROP FUNCTION tickets_sync_escalation_queue();
ALTER TABLE tickets RESET (fillfactor);
CREATE INDEX tickets_escalation_due ON tickets (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
DROP TABLE ticket_escalation_queue;
