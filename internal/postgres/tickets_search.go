package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/tickets"
)

// overdueSQL matches tickets (columns prefixed with p) past a deadline they have not
// met at the time in parameter $n. Each arm implies the predicate of one partial
// index (tickets_response_due, tickets_resolution_due), so the planner can use both.
func overdueSQL(p string, n int) string {
	return fmt.Sprintf(`((%[1]sacknowledged_at IS NULL AND %[1]sstatus IN ('registered', 'assigned', 'reopened')
			AND %[1]sresponse_due_at < $%[2]d)
		OR (%[1]sresolved_at IS NULL AND %[1]sstatus IN ('registered', 'assigned', 'acknowledged', 'in_progress', 'reopened')
			AND %[1]sresolution_due_at < $%[2]d))`, p, n)
}

// activeSQL matches tickets (columns prefixed with p) someone still has to act on.
func activeSQL(p string) string {
	return p + `status IN ('registered', 'assigned', 'acknowledged', 'in_progress', 'reopened')`
}

// where builds a WHERE clause from a filter.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *TicketStore) Search(ctx context.Context, f tickets.Filter) (ts []tickets.Ticket, more bool, err error) {
	defer apperr.Wrap(&err, "Tickets.Search")
	if f.Limit <= 0 {
		f.Limit = tickets.DefaultPage
	}
	if f.Limit > tickets.MaxPage {
		return nil, false, apperr.Errorf(apperr.Invalid, "at most %d tickets a page", tickets.MaxPage)
	}
	if f.Offset < 0 {
		return nil, false, apperr.Errorf(apperr.Invalid, "offset must not be negative")
	}
	var w where
	if len(f.IDs) > 0 {
		w.add("id = ANY(?)", f.IDs)
	}
	if len(f.References) > 0 {
		w.add("reference = ANY(?)", f.References)
	}
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ss[i] = string(st)
		}
		w.add("status = ANY(?)", ss)
	}
	if len(f.ServiceCodes) > 0 {
		w.add("service_code = ANY(?)", f.ServiceCodes)
	}
	if f.Department != "" {
		w.add("department_code = ?", f.Department)
	}
	if f.Channel != "" {
		w.add("channel = ?", f.Channel)
	}
	if f.CallerNumber != "" {
		w.add("caller_number = ?", tickets.NormalizePhone(f.CallerNumber))
	}
	if f.CallID != 0 {
		w.add("call_id = ?", f.CallID)
	}
	if a := strings.TrimSpace(f.AddressText); a != "" {
		w.add(`address ILIKE ?`, "%"+likeEscape(a)+"%")
	}
	if !f.From.IsZero() {
		w.add("created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("created_at < ?", f.To)
	}
	if f.Categorised {
		w.add("service_code IS NOT NULL")
	}
	if f.Overdue {
		w.args = append(w.args, s.db.Now())
		w.conds = append(w.conds, overdueSQL("", len(w.args)))
	}
	q := `SELECT ` + ticketColumns + ` FROM tickets` + w.sql() +
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d OFFSET %d`, f.Limit+1, f.Offset)
	rows, err := s.db.Pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, false, err
	}
	ts, err = collectTickets(rows)
	if err != nil {
		return nil, false, err
	}
	if len(ts) > f.Limit {
		return ts[:f.Limit], true, nil
	}
	return ts, false, nil
}

func (s *TicketStore) CallerTickets(ctx context.Context, phone string, limit int) (ts []tickets.Ticket, err error) {
	defer apperr.Wrap(&err, "Tickets.CallerTickets")
	phone = tickets.NormalizePhone(phone)
	if phone == "" {
		return nil, apperr.Errorf(apperr.Invalid, "a phone number is required")
	}
	if limit <= 0 || limit > tickets.MaxPage {
		limit = tickets.DefaultPage
	}
	// Tickets of the number, and the originals it was attached to as a further reporter.
	rows, err := s.db.Pool.Query(ctx, `SELECT `+ticketColumns+` FROM tickets
		WHERE caller_number = $1
		   OR id IN (SELECT ticket_id FROM ticket_reporters WHERE caller_number = $1)
		ORDER BY created_at DESC, id DESC LIMIT $2`, phone, limit)
	if err != nil {
		return nil, err
	}
	return collectTickets(rows)
}

func (s *TicketStore) Counts(ctx context.Context, by tickets.Dimension, from, to time.Time) (cs []tickets.Count, err error) {
	defer apperr.Wrap(&err, "Tickets.Counts(%s)", by)
	if !from.Before(to) {
		return nil, apperr.Errorf(apperr.Invalid, "the period must start before it ends")
	}
	var key, label, join string
	switch by {
	case tickets.ByCategory:
		key, label, join = "coalesce(t.service_code, '')", "coalesce(c.name, '')",
			"LEFT JOIN categories c ON c.service_code = t.service_code"
	case tickets.ByDepartment:
		key, label, join = "coalesce(t.department_code, '')", "coalesce(d.name, '')",
			"LEFT JOIN departments d ON d.code = t.department_code"
	case tickets.ByArea:
		key, label = "t.area", "t.area"
	default:
		return nil, apperr.Errorf(apperr.Invalid, "cannot count by %q", by)
	}
	rows, err := s.db.Pool.Query(ctx, fmt.Sprintf(`
		SELECT %[1]s, %[2]s, count(*),
			count(*) FILTER (WHERE %[4]s),
			count(*) FILTER (WHERE %[5]s)
		FROM tickets t %[3]s
		WHERE t.created_at >= $1 AND t.created_at < $2
		GROUP BY 1, 2 ORDER BY 3 DESC, 1`, key, label, join, activeSQL("t."), overdueSQL("t.", 3)),
		from, to, s.db.Now())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (c tickets.Count, err error) {
		err = r.Scan(&c.Key, &c.Label, &c.Total, &c.Open, &c.Overdue)
		return c, err
	})
}

// anonymiseBatch is how many tickets one anonymisation transaction takes.
const anonymiseBatch = 500

func (s *TicketStore) Anonymise(ctx context.Context, cutoff time.Time, by tickets.Actor) (n int, err error) {
	defer apperr.Wrap(&err, "Tickets.Anonymise(%s)", cutoff.Format(time.RFC3339))
	if !cutoff.Before(s.db.Now()) {
		return 0, apperr.Errorf(apperr.Invalid, "the cutoff must be in the past")
	}
	for {
		done := 0
		err := s.db.inTx(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT `+ticketColumns+` FROM tickets
				WHERE anonymised_at IS NULL AND status IN ('closed', 'duplicate', 'cancelled') AND closed_at < $1
				ORDER BY closed_at LIMIT $2 FOR UPDATE SKIP LOCKED`, cutoff, anonymiseBatch)
			if err != nil {
				return err
			}
			ts, err := collectTickets(rows)
			if err != nil || len(ts) == 0 {
				return err
			}
			now := s.db.Now()
			var b pgx.Batch
			var evs eventRows
			ids := make([]int64, len(ts))
			for i := range ts {
				t := &ts[i]
				ids[i] = t.ID
				ev := tickets.Anonymise(t, by, now)
				b.Queue(`UPDATE tickets SET caller_number = '', caller_first_name = '', caller_last_name = '',
						caller_email = '', caller_device_id = '', caller_account_id = '', anonymised_at = $2
					WHERE id = $1`, t.ID, now)
				if err := evs.add(t.ID, []tickets.Event{ev}); err != nil {
					return err
				}
			}
			evs.queue(&b)
			b.Queue(`UPDATE ticket_reporters SET caller_number = '', caller_name = '', caller_email = '',
					anonymised_at = $2
				WHERE anonymised_at IS NULL AND (ticket_id = ANY($1) OR reporter_ticket_id = ANY($1))`, ids, now)
			done = len(ts)
			return sendBatch(ctx, tx, &b)
		})
		if err != nil {
			return n, err
		}
		n += done
		if done < anonymiseBatch {
			return n, nil
		}
	}
}
