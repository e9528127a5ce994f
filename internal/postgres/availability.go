package postgres

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/staffing/roster"
)

// AvailabilityStore is the PostgreSQL roster.Availability: tables
// operator_work_rules and operator_availability.
type AvailabilityStore struct{ db *DB }

var _ roster.Availability = (*AvailabilityStore)(nil)

// Availability returns the store of operators' work rules and availability.
func (db *DB) Availability() *AvailabilityStore { return &AvailabilityStore{db: db} }

// maxAvailabilityPeriod bounds one availability read.
const maxAvailabilityPeriod = 400 * 24 * time.Hour

// operatorID returns the id of the operator with login, apperr.NotFound when
// there is none.
func operatorID(ctx context.Context, q pgx.Tx, login string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM operators WHERE login = $1`, login).Scan(&id)
	return id, notFound(err, "operator %q not found", login)
}

func checkAuthor(by string) error {
	if strings.TrimSpace(by) == "" {
		return apperr.Errorf(apperr.Invalid, "the author of the change is not known")
	}
	return nil
}

const workRulesColumns = `o.login, r.max_week_hours, r.prefer_starts, r.prefer_weekdays,
	coalesce(r.avoid_nights, false), r.updated_at, coalesce(r.updated_by, '')`

func scanWorkRules(row pgx.Row) (r roster.WorkRules, err error) {
	var starts, days []int32
	var updated *time.Time
	if err = row.Scan(&r.Login, &r.MaxHours, &starts, &days, &r.AvoidNights, &updated, &r.UpdatedBy); err != nil {
		return r, err
	}
	for _, m := range starts {
		r.Starts = append(r.Starts, time.Duration(m)*time.Minute)
	}
	for _, d := range days {
		r.Days = append(r.Days, time.Weekday(d))
	}
	if updated != nil {
		r.UpdatedAt = *updated
	}
	return r, nil
}

// WorkRules implements roster.Availability.
func (s *AvailabilityStore) WorkRules(ctx context.Context, login string) (r roster.WorkRules, err error) {
	defer apperr.Wrap(&err, "Availability.WorkRules(%q)", login)
	r, err = scanWorkRules(s.db.Pool.QueryRow(ctx, `SELECT `+workRulesColumns+`
		FROM operators o LEFT JOIN operator_work_rules r ON r.operator_id = o.id WHERE o.login = $1`, login))
	return r, notFound(err, "operator %q not found", login)
}

// AllWorkRules implements roster.Availability.
func (s *AvailabilityStore) AllWorkRules(ctx context.Context) (rs []roster.WorkRules, err error) {
	defer apperr.Wrap(&err, "Availability.AllWorkRules")
	rows, err := s.db.Pool.Query(ctx, `SELECT `+workRulesColumns+`
		FROM operator_work_rules r JOIN operators o ON o.id = r.operator_id ORDER BY o.login`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.WorkRules, error) { return scanWorkRules(row) })
}

// SetWorkRules implements roster.Availability.
func (s *AvailabilityStore) SetWorkRules(ctx context.Context, login string, in roster.WorkRules, by string) (out roster.WorkRules, err error) {
	defer apperr.Wrap(&err, "Availability.SetWorkRules(%q)", login)
	r, err := in.Normalize()
	if err != nil {
		return out, apperr.Errorf(apperr.Invalid, "%s", err.Error())
	}
	if err := checkAuthor(by); err != nil {
		return out, err
	}
	starts := make([]int32, 0, len(r.Starts))
	for _, st := range r.Starts {
		starts = append(starts, int32(st/time.Minute))
	}
	days := make([]int16, 0, len(r.Days))
	for _, d := range r.Days {
		days = append(days, int16(d))
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		id, err := operatorID(ctx, tx, login)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO operator_work_rules
				(operator_id, max_week_hours, prefer_starts, prefer_weekdays, avoid_nights, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (operator_id) DO UPDATE SET max_week_hours = EXCLUDED.max_week_hours,
				prefer_starts = EXCLUDED.prefer_starts, prefer_weekdays = EXCLUDED.prefer_weekdays,
				avoid_nights = EXCLUDED.avoid_nights, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
			id, r.MaxHours, starts, days, r.AvoidNights, s.db.Now(), by); err != nil {
			return err
		}
		out, err = scanWorkRules(tx.QueryRow(ctx, `SELECT `+workRulesColumns+`
			FROM operators o JOIN operator_work_rules r ON r.operator_id = o.id WHERE o.id = $1`, id))
		return err
	})
	return out, err
}

const entryColumns = `a.id, o.login, a.kind, a.day, a.starts_at, a.ends_at, a.reason, a.created_at, a.created_by,
	a.status, a.decided_at, coalesce(a.decided_by, ''), a.decision_note`

func scanEntry(row pgx.Row) (e roster.Entry, err error) {
	var day, from, to *time.Time
	if err = row.Scan(&e.ID, &e.Login, &e.Kind, &day, &from, &to, &e.Reason, &e.CreatedAt, &e.CreatedBy,
		&e.Status, &e.DecidedAt, &e.DecidedBy, &e.Note); err != nil {
		return e, err
	}
	if day != nil {
		e.Date = *day
	}
	if from != nil && to != nil {
		e.From, e.To = *from, *to
	}
	return e, nil
}

// AddAvailability implements roster.Availability.
func (s *AvailabilityStore) AddAvailability(ctx context.Context, login string, es []roster.Entry, by string) (out []roster.Entry, err error) {
	defer apperr.Wrap(&err, "Availability.AddAvailability(%q)", login)
	if len(es) == 0 {
		return nil, apperr.Errorf(apperr.Invalid, "nothing to add")
	}
	for _, e := range es {
		if err := e.Validate(); err != nil {
			return nil, apperr.Errorf(apperr.Invalid, "%s", err.Error())
		}
	}
	if err := checkAuthor(by); err != nil {
		return nil, err
	}
	now := s.db.Now()
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		id, err := operatorID(ctx, tx, login)
		if err != nil {
			return err
		}
		out = make([]roster.Entry, 0, len(es))
		for _, e := range es {
			var day *string
			var from, to *time.Time
			if e.Kind == roster.DayOff {
				d := e.Date.Format(time.DateOnly)
				day = &d
			} else {
				from, to = &e.From, &e.To
			}
			status := cmp.Or(e.Status, roster.Approved)
			stored, err := scanEntry(tx.QueryRow(ctx, `WITH a AS (
					INSERT INTO operator_availability (operator_id, kind, day, starts_at, ends_at, reason, created_at,
						created_by, status)
					VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, $9) RETURNING *)
				SELECT `+entryColumns+` FROM a JOIN operators o ON o.id = a.operator_id`,
				id, e.Kind, day, from, to, strings.TrimSpace(e.Reason), now, by, status))
			if isUniqueViolation(err) {
				return apperr.Errorf(apperr.Conflict, "operator %q already has %s off", login, *day)
			}
			if err != nil {
				return err
			}
			out = append(out, stored)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DecideAvailability implements roster.Availability.
func (s *AvailabilityStore) DecideAvailability(ctx context.Context, login string, id int64, approve bool, note, by string) (e roster.Entry, err error) {
	defer apperr.Wrap(&err, "Availability.DecideAvailability(%q, %d)", login, id)
	if err := checkAuthor(by); err != nil {
		return e, err
	}
	note = strings.TrimSpace(note)
	if n := len([]rune(note)); n > roster.MaxText {
		return e, apperr.Errorf(apperr.Invalid, "the note has %d characters; at most %d are accepted", n, roster.MaxText)
	}
	status := roster.Declined
	if approve {
		status = roster.Approved
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		opID, err := operatorID(ctx, tx, login)
		if err != nil {
			return err
		}
		var current roster.Status
		err = tx.QueryRow(ctx, `SELECT status FROM operator_availability
			WHERE id = $1 AND operator_id = $2 AND removed_at IS NULL FOR UPDATE`, id, opID).Scan(&current)
		if err != nil {
			return notFound(err, "operator %q has no availability entry %d", login, id)
		}
		if current != roster.Pending {
			return apperr.Errorf(apperr.Conflict, "entry %d is %s already; only a pending request is decided", id, current)
		}
		e, err = scanEntry(tx.QueryRow(ctx, `WITH a AS (
				UPDATE operator_availability SET status = $3, decided_at = $4, decided_by = $5, decision_note = $6
				WHERE id = $1 AND operator_id = $2 RETURNING *)
			SELECT `+entryColumns+` FROM a JOIN operators o ON o.id = a.operator_id`,
			id, opID, status, s.db.Now(), by, note))
		return err
	})
	return e, err
}

// RemoveAvailability implements roster.Availability.
func (s *AvailabilityStore) RemoveAvailability(ctx context.Context, login string, id int64, by string) (err error) {
	defer apperr.Wrap(&err, "Availability.RemoveAvailability(%q, %d)", login, id)
	if err := checkAuthor(by); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		opID, err := operatorID(ctx, tx, login)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE operator_availability SET removed_at = $3, removed_by = $4
			WHERE id = $1 AND operator_id = $2 AND removed_at IS NULL`, id, opID, s.db.Now(), by)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.Errorf(apperr.NotFound, "operator %q has no availability entry %d", login, id)
		}
		return nil
	})
}

// ListAvailability implements roster.Availability.
func (s *AvailabilityStore) ListAvailability(ctx context.Context, f roster.AvailabilityFilter) (es []roster.Entry, err error) {
	defer apperr.Wrap(&err, "Availability.ListAvailability(%q)", f.Login)
	if !f.From.Before(f.To) {
		return nil, apperr.Errorf(apperr.Invalid, "the period [%s, %s) is empty", f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	if f.To.Sub(f.From) > maxAvailabilityPeriod {
		return nil, apperr.Errorf(apperr.Invalid, "an availability read covers at most %d days", int(maxAvailabilityPeriod.Hours()/24))
	}
	loc := f.From.Location()
	firstDay := f.From.Format(time.DateOnly)
	last := f.To.In(loc)
	lastDay := last.Format(time.DateOnly) // exclusive
	if !last.Equal(time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, loc)) {
		lastDay = last.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if f.Login != "" {
			if _, err := operatorID(ctx, tx, f.Login); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT `+entryColumns+`
			FROM operator_availability a JOIN operators o ON o.id = a.operator_id
			WHERE a.removed_at IS NULL AND ($1 = '' OR o.login = $1)
			  AND ((a.kind = 'unavailable' AND a.starts_at < $3 AND a.ends_at > $2)
			    OR (a.kind = 'day_off' AND a.day >= $4::date AND a.day < $5::date))`,
			f.Login, f.From, f.To, firstDay, lastDay)
		if err != nil {
			return err
		}
		es, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.Entry, error) { return scanEntry(row) })
		return err
	})
	if err != nil {
		return nil, err
	}
	// By operator, then by the time each entry starts on the period's clock.
	start := func(e roster.Entry) time.Time {
		if e.Kind == roster.DayOff {
			return time.Date(e.Date.Year(), e.Date.Month(), e.Date.Day(), 0, 0, 0, 0, loc)
		}
		return e.From
	}
	slices.SortFunc(es, func(a, b roster.Entry) int {
		return cmp.Or(strings.Compare(a.Login, b.Login), start(a).Compare(start(b)), cmp.Compare(a.ID, b.ID))
	})
	if es == nil {
		es = []roster.Entry{}
	}
	return es, nil
}
