package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/staffing/forecast"
	"github.com/ikomek/ikomek/internal/staffing/roster"
)

// StaffingStore reads call history for forecasts and keeps rosters.
type StaffingStore struct{ db *DB }

var (
	_ forecast.History = (*StaffingStore)(nil)
	_ roster.Store     = (*StaffingStore)(nil)
)

// Staffing returns the staffing store.
func (db *DB) Staffing() *StaffingStore { return &StaffingStore{db: db} }

// maxRosterPeriod bounds one roster read.
const maxRosterPeriod = 62 * 24 * time.Hour

// observationsSQL buckets arrivals on a grid starting at $2. A call counts as
// handled once it was connected and has ended; its handle time is the talk plus
// the wrap-up ($4 s). Each interval's handle total is its offered calls times
// the mean handle of its handled calls (the whole period's mean when it has
// none), so abandoned calls are offered load and do not shorten the handle time.
const observationsSQL = `
WITH c AS (
    SELECT date_bin($3 * interval '1 second', arrived_at, $2) AS start,
           CASE WHEN connected_at IS NOT NULL AND ended_at IS NOT NULL
                THEN greatest(extract(epoch FROM ended_at - connected_at), 0) + $4 END AS handle
    FROM calls
    WHERE arrived_at >= $2 AND arrived_at < $5 AND ($1 = '' OR line = $1)
), b AS (
    SELECT start, count(*) AS offered, count(handle) AS handled, coalesce(sum(handle), 0) AS handle
    FROM c GROUP BY start
)
SELECT start, offered::float8,
       (offered * CASE WHEN handled > 0 THEN handle / handled
                       ELSE coalesce(sum(handle) OVER () / nullif(sum(handled) OVER (), 0), 0) END)::float8
FROM b ORDER BY start`

// Observations implements forecast.History over the calls table.
func (s *StaffingStore) Observations(ctx context.Context, q forecast.HistoryQuery) (obs []forecast.Observation, err error) {
	defer apperr.Wrap(&err, "Staffing.Observations(%q)", q.Line)
	if err := q.Validate(); err != nil {
		return nil, apperr.Errorf(apperr.Invalid, "%s", err.Error())
	}
	rows, err := s.db.Pool.Query(ctx, observationsSQL, q.Line, q.Since, q.Interval.Seconds(), q.WrapUp.Seconds(), q.Until)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (o forecast.Observation, err error) {
		err = row.Scan(&o.Start, &o.Calls, &o.HandleSeconds)
		return o, err
	})
}

// SaveRoster implements roster.Store.
func (s *StaffingStore) SaveRoster(ctx context.Context, p roster.StoredPlan, as []roster.Assignment) (out roster.StoredPlan, err error) {
	defer apperr.Wrap(&err, "Staffing.SaveRoster(%s)", p.WeekStart.Format(time.DateOnly))
	if p.PeriodMinutes <= 0 || 1440%p.PeriodMinutes != 0 {
		return out, apperr.Errorf(apperr.Invalid, "period of %d minutes does not divide a day", p.PeriodMinutes)
	}
	if p.WeekStart.IsZero() || p.OperatorHours < 0 || p.LowerBound < 0 {
		return out, apperr.Errorf(apperr.Invalid, "a plan needs a week start and non-negative hours")
	}
	for _, a := range as {
		if err := checkLogin(a.Login); err != nil {
			return out, err
		}
		if !a.EndsAt.After(a.StartsAt) {
			return out, apperr.Errorf(apperr.Invalid, "shift of %s ends before it starts", a.Login)
		}
		if (a.BreakStartsAt == nil) != (a.BreakEndsAt == nil) ||
			(a.BreakStartsAt != nil && (a.BreakStartsAt.Before(a.StartsAt) || !a.BreakEndsAt.After(*a.BreakStartsAt) || a.BreakEndsAt.After(a.EndsAt))) {
			return out, apperr.Errorf(apperr.Invalid, "break of %s is not inside the shift", a.Login)
		}
	}
	out = p
	out.CreatedAt = s.db.Now()
	week := p.WeekStart.Format(time.DateOnly)
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO shift_plans (created_at, period_minutes, week_start, operator_hours, lower_bound)
			VALUES ($1, $2, $3::date, $4, $5) RETURNING id`,
			out.CreatedAt, p.PeriodMinutes, week, p.OperatorHours, p.LowerBound).Scan(&out.ID); err != nil {
			return err
		}
		rows := make([][]any, 0, len(as))
		for _, a := range as {
			rows = append(rows, []any{out.ID, a.Login, a.StartsAt, a.EndsAt, a.BreakStartsAt, a.BreakEndsAt})
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"roster_shifts"},
			[]string{"plan_id", "operator_login", "starts_at", "ends_at", "break_starts_at", "break_ends_at"}, pgx.CopyFromRows(rows))
		return err
	})
	return out, err
}

// Assignments implements roster.Store.
func (s *StaffingStore) Assignments(ctx context.Context, f roster.Filter) (as []roster.Assignment, err error) {
	defer apperr.Wrap(&err, "Staffing.Assignments(%q)", f.Operator)
	if !f.From.Before(f.To) {
		return nil, apperr.Errorf(apperr.Invalid, "the period [%s, %s) is empty", f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	if f.To.Sub(f.From) > maxRosterPeriod {
		return nil, apperr.Errorf(apperr.Invalid, "a roster read covers at most %d days", int(maxRosterPeriod.Hours()/24))
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT r.plan_id, r.operator_login, r.starts_at, r.ends_at, r.break_starts_at, r.break_ends_at
		FROM roster_shifts r JOIN shift_plans p ON p.id = r.plan_id
		WHERE r.starts_at < $2 AND r.ends_at > $1 AND ($3 = '' OR lower(r.operator_login) = lower($3))
		  AND p.id = (SELECT max(id) FROM shift_plans q WHERE q.week_start = p.week_start)
		ORDER BY r.starts_at, r.operator_login, r.id`, f.From, f.To, f.Operator)
	if err != nil {
		return nil, err
	}
	as, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (a roster.Assignment, err error) {
		err = row.Scan(&a.PlanID, &a.Login, &a.StartsAt, &a.EndsAt, &a.BreakStartsAt, &a.BreakEndsAt)
		return a, err
	})
	if as == nil && err == nil {
		as = []roster.Assignment{}
	}
	return as, err
}
