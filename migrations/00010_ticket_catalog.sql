-- +goose Up
-- Who receives tickets: city offices, utilities and the police.
CREATE TABLE departments (
    code           text        PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9_-]{1,39}$'),
    name           text        NOT NULL CHECK (name <> ''),
    kind           text        NOT NULL CHECK (kind IN ('city_office', 'utility', 'police')),
    webhook_url    text        NOT NULL DEFAULT '',
    webhook_secret text        NOT NULL DEFAULT '',
    active         boolean     NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CHECK (webhook_url = '' OR webhook_secret <> '')
);

-- What citizens report (an Open311 service), and where it goes.
CREATE TABLE categories (
    service_code     text        PRIMARY KEY CHECK (service_code ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'),
    name             text        NOT NULL CHECK (name <> ''),
    description      text        NOT NULL DEFAULT '',
    group_name       text        NOT NULL DEFAULT '',
    keywords         text[]      NOT NULL DEFAULT '{}',
    department_code  text        NOT NULL REFERENCES departments (code),
    default_priority text        NOT NULL CHECK (default_priority IN ('low', 'normal', 'high', 'emergency')),
    service_type     text        NOT NULL DEFAULT 'realtime' CHECK (service_type IN ('realtime', 'batch', 'blackbox')),
    on_the_spot      boolean     NOT NULL DEFAULT false,
    notice           text        NOT NULL DEFAULT '',
    attributes       jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attributes) = 'array'),
    active           boolean     NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX categories_department ON categories (department_code);

-- Every change of a category's department, with who made it and why.
CREATE TABLE category_routing_changes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_code    text        NOT NULL REFERENCES categories (service_code),
    from_department text,
    to_department   text        NOT NULL,
    at              timestamptz NOT NULL,
    actor_role      text        NOT NULL,
    actor_name      text        NOT NULL,
    actor_subject   text        NOT NULL DEFAULT '',
    reason          text        NOT NULL DEFAULT ''
);
CREATE INDEX category_routing_changes_code ON category_routing_changes (service_code, id);
CREATE TRIGGER category_routing_changes_append_only BEFORE UPDATE OR DELETE ON category_routing_changes
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER category_routing_changes_no_truncate BEFORE TRUNCATE ON category_routing_changes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Reaction and resolution times per category (NULL: the default for every category)
-- and priority. A new version supersedes the current one; old versions stay, because
-- tickets point at the version they were given.
CREATE TABLE sla_policies (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_code   text        REFERENCES categories (service_code),
    priority       text        NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'emergency')),
    version        integer     NOT NULL CHECK (version > 0),
    respond_within interval    NOT NULL CHECK (respond_within > interval '0'),
    resolve_within interval    NOT NULL CHECK (resolve_within >= respond_within),
    created_at     timestamptz NOT NULL,
    created_by     text        NOT NULL,
    superseded_at  timestamptz
);
CREATE UNIQUE INDEX sla_policies_version ON sla_policies (coalesce(service_code, ''), priority, version);
CREATE UNIQUE INDEX sla_policies_current ON sla_policies (coalesce(service_code, ''), priority)
    WHERE superseded_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION sla_policy_supersede_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.superseded_at IS NULL AND NEW.superseded_at IS NOT NULL
       AND (NEW.id, NEW.service_code, NEW.priority, NEW.version, NEW.respond_within,
            NEW.resolve_within, NEW.created_at, NEW.created_by)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.service_code, OLD.priority, OLD.version, OLD.respond_within,
            OLD.resolve_within, OLD.created_at, OLD.created_by) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% on sla_policies is not allowed: add a new version instead', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER sla_policies_versioned BEFORE UPDATE OR DELETE ON sla_policies
    FOR EACH ROW EXECUTE FUNCTION sla_policy_supersede_only();
CREATE TRIGGER sla_policies_no_truncate BEFORE TRUNCATE ON sla_policies
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- +goose StatementBegin
DO $$
BEGIN
    IF current_user <> 'ikomek' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ikomek') THEN
        GRANT SELECT, INSERT, UPDATE ON departments, categories, sla_policies TO ikomek;
        GRANT SELECT, INSERT ON category_routing_changes TO ikomek;
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE sla_policies;
DROP FUNCTION sla_policy_supersede_only();
DROP TABLE category_routing_changes;
DROP TABLE categories;
DROP TABLE departments;
