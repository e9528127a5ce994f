package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/tickets"
)

// CatalogStore is the PostgreSQL tickets.Catalog.
type CatalogStore struct{ db *DB }

var _ tickets.Catalog = (*CatalogStore)(nil)

// Catalog returns the store of departments and categories.
func (db *DB) Catalog() *CatalogStore { return &CatalogStore{db: db} }

const departmentColumns = `code, name, kind, webhook_url, webhook_secret, active, created_at, updated_at`

func scanDepartment(row pgx.Row) (d tickets.Department, err error) {
	err = row.Scan(&d.Code, &d.Name, &d.Kind, &d.WebhookURL, &d.WebhookSecret, &d.Active, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

func getDepartment(ctx context.Context, q querier, code string) (tickets.Department, error) {
	d, err := scanDepartment(q.QueryRow(ctx, `SELECT `+departmentColumns+` FROM departments WHERE code = $1`, code))
	return d, notFound(err, "department %s not found", code)
}

const categoryColumns = `service_code, name, description, group_name, keywords, department_code,
	default_priority, service_type, on_the_spot, notice, attributes, active, created_at, updated_at`

func scanCategory(row pgx.Row) (c tickets.Category, err error) {
	err = row.Scan(&c.ServiceCode, &c.Name, &c.Description, &c.Group, &c.Keywords, &c.DepartmentCode,
		&c.DefaultPriority, &c.Type, &c.OnTheSpot, &c.Notice, &c.Attributes, &c.Active, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

func getCategory(ctx context.Context, q querier, code string) (tickets.Category, error) {
	c, err := scanCategory(q.QueryRow(ctx, `SELECT `+categoryColumns+` FROM categories WHERE service_code = $1`, code))
	return c, notFound(err, "service code %s not found", code)
}

func (s *CatalogStore) SaveDepartment(ctx context.Context, d tickets.Department, by tickets.Actor) (saved tickets.Department, created bool, err error) {
	defer apperr.Wrap(&err, "Catalog.SaveDepartment(%s)", d.Code)
	d.Name, d.WebhookURL = strings.TrimSpace(d.Name), strings.TrimSpace(d.WebhookURL)
	if err := d.Validate(); err != nil {
		return saved, false, err
	}
	now := s.db.Now()
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanDepartment(tx.QueryRow(ctx, `SELECT `+departmentColumns+` FROM departments WHERE code = $1 FOR UPDATE`, d.Code))
		switch {
		case err == pgx.ErrNoRows:
			created = true
		case err != nil:
			return err
		case d.WebhookSecret == "":
			d.WebhookSecret = old.WebhookSecret
		}
		if d.WebhookURL != "" && d.WebhookSecret == "" {
			d.WebhookSecret = tickets.NewWebhookSecret()
		}
		saved, err = scanDepartment(tx.QueryRow(ctx, `
			INSERT INTO departments (code, name, kind, webhook_url, webhook_secret, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
			ON CONFLICT (code) DO UPDATE SET name = $2, kind = $3, webhook_url = $4, webhook_secret = $5,
				active = $6, updated_at = $7
			RETURNING `+departmentColumns, d.Code, d.Name, d.Kind, d.WebhookURL, d.WebhookSecret, d.Active, now))
		return err
	})
	return saved, created, err
}

func (s *CatalogStore) Department(ctx context.Context, code string) (d tickets.Department, err error) {
	defer apperr.Wrap(&err, "Catalog.Department(%s)", code)
	return getDepartment(ctx, s.db.Pool, code)
}

func (s *CatalogStore) Departments(ctx context.Context) (ds []tickets.Department, err error) {
	defer apperr.Wrap(&err, "Catalog.Departments")
	rows, err := s.db.Pool.Query(ctx, `SELECT `+departmentColumns+` FROM departments ORDER BY code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tickets.Department, error) { return scanDepartment(r) })
}

func (s *CatalogStore) SaveCategory(ctx context.Context, c tickets.Category, by tickets.Actor, reason string) (saved tickets.Category, created bool, err error) {
	defer apperr.Wrap(&err, "Catalog.SaveCategory(%s)", c.ServiceCode)
	c.Name = strings.TrimSpace(c.Name)
	if c.Type == "" {
		c.Type = "realtime"
	}
	if c.Keywords == nil {
		c.Keywords = []string{}
	}
	if c.Attributes == nil {
		c.Attributes = []tickets.Attribute{}
	}
	if err := c.Validate(); err != nil {
		return saved, false, err
	}
	now := s.db.Now()
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := getDepartment(ctx, tx, c.DepartmentCode); err != nil {
			return err
		}
		var from *string
		err := tx.QueryRow(ctx, `SELECT department_code FROM categories WHERE service_code = $1 FOR UPDATE`,
			c.ServiceCode).Scan(&from)
		switch {
		case err == pgx.ErrNoRows:
			created = true
		case err != nil:
			return err
		}
		saved, err = scanCategory(tx.QueryRow(ctx, `
			INSERT INTO categories (service_code, name, description, group_name, keywords, department_code,
				default_priority, service_type, on_the_spot, notice, attributes, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
			ON CONFLICT (service_code) DO UPDATE SET name = $2, description = $3, group_name = $4,
				keywords = $5, department_code = $6, default_priority = $7, service_type = $8,
				on_the_spot = $9, notice = $10, attributes = $11, active = $12, updated_at = $13
			RETURNING `+categoryColumns,
			c.ServiceCode, c.Name, c.Description, c.Group, c.Keywords, c.DepartmentCode, c.DefaultPriority,
			c.Type, c.OnTheSpot, c.Notice, c.Attributes, c.Active, now))
		if err != nil {
			return err
		}
		if from != nil && *from == c.DepartmentCode {
			return nil
		}
		// Routing changes are audited: who sent this kind of request elsewhere, and why.
		_, err = tx.Exec(ctx, `INSERT INTO category_routing_changes (service_code, from_department, to_department,
				at, actor_role, actor_name, actor_subject, reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.ServiceCode, from, c.DepartmentCode, now, by.Role, by.Name, by.Subject, strings.TrimSpace(reason))
		return err
	})
	return saved, created, err
}

func (s *CatalogStore) Category(ctx context.Context, code string) (c tickets.Category, err error) {
	defer apperr.Wrap(&err, "Catalog.Category(%s)", code)
	return getCategory(ctx, s.db.Pool, code)
}

func (s *CatalogStore) Categories(ctx context.Context, all bool) (cs []tickets.Category, err error) {
	defer apperr.Wrap(&err, "Catalog.Categories")
	rows, err := s.db.Pool.Query(ctx, `SELECT `+categoryColumns+` FROM categories
		WHERE active OR $1 ORDER BY group_name, name, service_code`, all)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tickets.Category, error) { return scanCategory(r) })
}

func (s *CatalogStore) Routing(ctx context.Context, code string) (rs []tickets.RoutingChange, err error) {
	defer apperr.Wrap(&err, "Catalog.Routing(%s)", code)
	if _, err := getCategory(ctx, s.db.Pool, code); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT id, service_code, coalesce(from_department, ''), to_department, at,
			actor_role, actor_name, actor_subject, reason
		FROM category_routing_changes WHERE service_code = $1 ORDER BY id`, code)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (c tickets.RoutingChange, err error) {
		err = r.Scan(&c.ID, &c.ServiceCode, &c.FromDepartment, &c.ToDepartment, &c.At, &c.Actor.Role,
			&c.Actor.Name, &c.Actor.Subject, &c.Reason)
		return c, err
	})
}
