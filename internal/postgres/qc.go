package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/qc"
)

// QCStore is the PostgreSQL qc.Store.
type QCStore struct{ db *DB }

var _ qc.Store = (*QCStore)(nil)

// QC returns the quality-control store.
func (db *DB) QC() *QCStore { return &QCStore{db: db} }

const formColumns = `id, name, criteria, active, created_at, created_by`

func scanForm(row pgx.Row) (f qc.Form, err error) {
	var crit []byte
	if err = row.Scan(&f.ID, &f.Name, &crit, &f.Active, &f.CreatedAt, &f.CreatedBy); err != nil {
		return f, err
	}
	return f, json.Unmarshal(crit, &f.Criteria)
}

func (s *QCStore) CreateForm(ctx context.Context, f qc.Form, by qc.Actor) (out qc.Form, err error) {
	defer apperr.Wrap(&err, "QC.CreateForm(%s)", f.Name)
	if err := f.Validate(); err != nil {
		return f, err
	}
	crit, _ := json.Marshal(f.Criteria)
	return scanForm(s.db.Pool.QueryRow(ctx, `INSERT INTO qc_forms (name, criteria, created_at, created_by)
		VALUES ($1, $2, $3, $4) RETURNING `+formColumns, f.Name, crit, s.db.Now(), by.Name))
}

func (s *QCStore) Form(ctx context.Context, id int64) (f qc.Form, err error) {
	defer apperr.Wrap(&err, "QC.Form(%d)", id)
	f, err = scanForm(s.db.Pool.QueryRow(ctx, `SELECT `+formColumns+` FROM qc_forms WHERE id = $1`, id))
	return f, notFound(err, "form %d not found", id)
}

func (s *QCStore) Forms(ctx context.Context) (fs []qc.Form, err error) {
	defer apperr.Wrap(&err, "QC.Forms")
	rows, err := s.db.Pool.Query(ctx, `SELECT `+formColumns+` FROM qc_forms ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (qc.Form, error) { return scanForm(r) })
}

const caseColumns = `id, source, complaint_call_id, call_id, operator_login, ticket_reference, caller_number,
	description, status, resolution, opened_at, opened_by, closed_at`

func scanCase(row pgx.Row) (c qc.Case, err error) {
	err = row.Scan(&c.ID, &c.Source, &c.ComplaintCallID, &c.CallID, &c.OperatorLogin, &c.TicketReference,
		&c.CallerNumber, &c.Description, &c.Status, &c.Resolution, &c.OpenedAt, &c.OpenedBy, &c.ClosedAt)
	return c, err
}

// findCall resolves ref to a call id, its operator and the ticket reference used.
func findCall(ctx context.Context, tx pgx.Tx, ref qc.CallRef) (id int64, operator, ticket string, err error) {
	window := ref.Window
	if window <= 0 {
		window = 2 * time.Hour
	}
	var at *time.Time
	if !ref.At.IsZero() {
		at = &ref.At
	}
	switch {
	case ref.CallID != 0:
		err = tx.QueryRow(ctx, `SELECT id, coalesce(operator_login, '') FROM calls WHERE id = $1`, ref.CallID).Scan(&id, &operator)
		return id, operator, "", notFound(err, "call %d not found", ref.CallID)
	case ref.Ticket != "":
		err = tx.QueryRow(ctx, `SELECT c.id, coalesce(c.operator_login, '') FROM tickets t JOIN calls c ON c.id = t.call_id
			WHERE t.reference = $1`, ref.Ticket).Scan(&id, &operator)
		return id, operator, ref.Ticket, notFound(err, "no call for ticket %s", ref.Ticket)
	case ref.Caller != "" || ref.Operator != "":
		if at == nil {
			return 0, "", "", apperr.Errorf(apperr.Invalid, "a caller or operator needs the time of the call (at)")
		}
		err = tx.QueryRow(ctx, `SELECT id, coalesce(operator_login, '') FROM calls
			WHERE line <> $1 AND operator_login IS NOT NULL
			  AND ($2 = '' OR right(regexp_replace(caller_number, '\D', '', 'g'), 10) = $2)
			  AND ($3 = '' OR operator_login = $3)
			  AND arrived_at BETWEEN $4::timestamptz - $5::interval AND $4::timestamptz + $5::interval
			ORDER BY abs(extract(epoch FROM arrived_at - $4::timestamptz)), id LIMIT 1`,
			qc.QCLine, lastDigits(ref.Caller), ref.Operator, *at, window).Scan(&id, &operator)
		return id, operator, "", notFound(err, "no answered call matches (caller %q, operator %q, at %s ± %s)",
			ref.Caller, ref.Operator, at.Format(time.RFC3339), window)
	}
	return 0, "", "", apperr.Errorf(apperr.Invalid, "no call given")
}

func (s *QCStore) OpenCase(ctx context.Context, description string, ref qc.CallRef, by qc.Actor) (c qc.Case, err error) {
	defer apperr.Wrap(&err, "QC.OpenCase")
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		var callID *int64
		var operator, ticket string
		if !ref.Empty() {
			id, op, tk, err := findCall(ctx, tx, ref)
			if err != nil {
				return err
			}
			callID, operator, ticket = &id, op, tk
		}
		c, err = scanCase(tx.QueryRow(ctx, `INSERT INTO qc_cases (source, call_id, operator_login, ticket_reference,
				caller_number, description, opened_at, opened_by)
			VALUES ('reviewer', $1, $2, $3, $4, $5, $6, $7) RETURNING `+caseColumns,
			callID, operator, ticket, ref.Caller, description, s.db.Now(), by.Name))
		return err
	})
	return c, err
}

func (s *QCStore) OpenCaseForCall(ctx context.Context, callID int64) (caseID int64, created bool, err error) {
	defer apperr.Wrap(&err, "QC.OpenCaseForCall(%d)", callID)
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO qc_cases (source, complaint_call_id, caller_number, opened_at, opened_by,
				call_id, operator_login)
			SELECT 'line', c.id, c.caller_number, $2, 'qc line', p.id, coalesce(p.operator_login, '')
			FROM calls c LEFT JOIN LATERAL (
				SELECT id, operator_login FROM calls o
				WHERE o.caller_number = c.caller_number AND c.caller_number <> '' AND o.line <> c.line
				  AND o.operator_login IS NOT NULL AND o.arrived_at < c.arrived_at
				  AND o.arrived_at > c.arrived_at - interval '7 days'
				ORDER BY o.arrived_at DESC LIMIT 1) p ON true
			WHERE c.id = $1
			ON CONFLICT (complaint_call_id) DO NOTHING RETURNING id`, callID, s.db.Now()).Scan(&caseID)
		if err == nil {
			created = true
			return nil
		}
		if err != pgx.ErrNoRows {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT id FROM qc_cases WHERE complaint_call_id = $1`, callID).Scan(&caseID)
		return notFound(err, "call %d not found", callID)
	})
	return caseID, created, err
}

func (s *QCStore) LinkCase(ctx context.Context, id int64, ref qc.CallRef) (c qc.Case, err error) {
	defer apperr.Wrap(&err, "QC.LinkCase(%d)", id)
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		callID, operator, ticket, err := findCall(ctx, tx, ref)
		if err != nil {
			return err
		}
		c, err = scanCase(tx.QueryRow(ctx, `UPDATE qc_cases SET call_id = $2, operator_login = $3,
				ticket_reference = CASE WHEN $4 = '' THEN ticket_reference ELSE $4 END
			WHERE id = $1 RETURNING `+caseColumns, id, callID, operator, ticket))
		return notFound(err, "case %d not found", id)
	})
	return c, err
}

func (s *QCStore) CloseCase(ctx context.Context, id int64, resolution string) (c qc.Case, err error) {
	defer apperr.Wrap(&err, "QC.CloseCase(%d)", id)
	c, err = scanCase(s.db.Pool.QueryRow(ctx, `UPDATE qc_cases SET status = 'closed', resolution = $2, closed_at = $3
		WHERE id = $1 AND status = 'open' RETURNING `+caseColumns, id, resolution, s.db.Now()))
	if err == pgx.ErrNoRows {
		if _, gerr := s.Case(ctx, id); gerr != nil {
			return c, gerr
		}
		return c, apperr.Errorf(apperr.Conflict, "case %d is already closed", id)
	}
	return c, err
}

func (s *QCStore) Case(ctx context.Context, id int64) (c qc.Case, err error) {
	defer apperr.Wrap(&err, "QC.Case(%d)", id)
	c, err = scanCase(s.db.Pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM qc_cases WHERE id = $1`, id))
	return c, notFound(err, "case %d not found", id)
}

func (s *QCStore) Cases(ctx context.Context, status string) (cs []qc.Case, err error) {
	defer apperr.Wrap(&err, "QC.Cases(%s)", status)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+caseColumns+` FROM qc_cases WHERE $1 = '' OR status = $1
		ORDER BY id DESC LIMIT 1000`, status)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (qc.Case, error) { return scanCase(r) })
}

const reviewColumns = `id, call_id, operator_login, case_id, form_id, scores, total, outcome, notes,
	coalesce(reviewer_token, 0), reviewer_name, reviewer_role, created_at`

func scanReview(row pgx.Row) (r qc.Review, err error) {
	var scores []byte
	if err = row.Scan(&r.ID, &r.CallID, &r.OperatorLogin, &r.CaseID, &r.FormID, &scores, &r.Total, &r.Outcome,
		&r.Notes, &r.ReviewerToken, &r.ReviewerName, &r.ReviewerRole, &r.CreatedAt); err != nil {
		return r, err
	}
	return r, json.Unmarshal(scores, &r.Scores)
}

func (s *QCStore) AddReview(ctx context.Context, r qc.Review, by qc.Actor) (out qc.Review, err error) {
	defer apperr.Wrap(&err, "QC.AddReview(call %d)", r.CallID)
	if !qc.ValidOutcome(r.Outcome) {
		return r, apperr.Errorf(apperr.Invalid, "outcome %q: one of no_issue, coaching, warning", r.Outcome)
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		form, err := scanForm(tx.QueryRow(ctx, `SELECT `+formColumns+` FROM qc_forms WHERE id = $1`, r.FormID))
		if err != nil {
			return notFound(err, "form %d not found", r.FormID)
		}
		total, err := form.Total(r.Scores)
		if err != nil {
			return err
		}
		var operator string
		if err := tx.QueryRow(ctx, `SELECT coalesce(operator_login, '') FROM calls WHERE id = $1`, r.CallID).Scan(&operator); err != nil {
			return notFound(err, "call %d not found", r.CallID)
		}
		if operator == "" {
			return apperr.Errorf(apperr.Invalid, "call %d was not answered by an operator", r.CallID)
		}
		if r.CaseID != nil {
			if err := tx.QueryRow(ctx, `SELECT id FROM qc_cases WHERE id = $1`, *r.CaseID).Scan(new(int64)); err != nil {
				return notFound(err, "case %d not found", *r.CaseID)
			}
		}
		scores, _ := json.Marshal(r.Scores)
		var token *int64
		if by.TokenID != 0 {
			token = &by.TokenID
		}
		out, err = scanReview(tx.QueryRow(ctx, `INSERT INTO qc_reviews (call_id, operator_login, case_id, form_id,
				scores, total, outcome, notes, reviewer_token, reviewer_name, reviewer_role, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING `+reviewColumns,
			r.CallID, operator, r.CaseID, r.FormID, scores, total, r.Outcome, r.Notes, token, by.Name, by.Role, s.db.Now()))
		return err
	})
	return out, err
}

func (s *QCStore) Reviews(ctx context.Context, operator string, callID int64) (rs []qc.Review, err error) {
	defer apperr.Wrap(&err, "QC.Reviews(%s, %d)", operator, callID)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+reviewColumns+` FROM qc_reviews
		WHERE ($1 = '' OR operator_login = $1) AND ($2 = 0 OR call_id = $2) ORDER BY id DESC LIMIT 1000`, operator, callID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (qc.Review, error) { return scanReview(r) })
}

func (s *QCStore) OperatorScore(ctx context.Context, operator string, from, to time.Time) (sc qc.Score, err error) {
	defer apperr.Wrap(&err, "QC.OperatorScore(%s)", operator)
	sc = qc.Score{Operator: operator, From: from, To: to, Outcomes: map[string]int{}}
	rows, err := s.db.Pool.Query(ctx, `SELECT v.outcome, count(*), sum(v.total) FROM qc_reviews v
		JOIN calls c ON c.id = v.call_id
		WHERE v.operator_login = $1 AND c.arrived_at >= $2 AND c.arrived_at < $3 GROUP BY v.outcome`, operator, from, to)
	if err != nil {
		return sc, err
	}
	defer rows.Close()
	var sum float64
	for rows.Next() {
		var outcome string
		var n int
		var total float64
		if err := rows.Scan(&outcome, &n, &total); err != nil {
			return sc, err
		}
		sc.Outcomes[outcome] = n
		sc.Reviews += n
		sum += total
	}
	if sc.Reviews > 0 {
		sc.Average = float64(int64(sum/float64(sc.Reviews)*100+0.5)) / 100
	}
	return sc, rows.Err()
}

func (s *QCStore) Sample(ctx context.Context, week qc.Week, share float64, seed int64) (qs []qc.Queued, err error) {
	defer apperr.Wrap(&err, "QC.Sample(%s)", week)
	loc := time.Local
	from, to := week.Start(loc), week.End(loc)
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, operator_login FROM calls
			WHERE operator_login IS NOT NULL AND connected_at IS NOT NULL AND line <> $3
			  AND arrived_at >= $1 AND arrived_at < $2 ORDER BY id`, from, to, qc.QCLine)
		if err != nil {
			return err
		}
		answered, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (c qc.AnsweredCall, err error) {
			err = r.Scan(&c.CallID, &c.Operator)
			return c, err
		})
		if err != nil {
			return err
		}
		picked, err := qc.Pick(answered, share, seed)
		if err != nil {
			return err
		}
		now := s.db.Now()
		add := func(callID int64, operator, reason string) error {
			tag, err := tx.Exec(ctx, `INSERT INTO qc_queue (week, call_id, operator_login, reason, share, seed, queued_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (week, call_id) DO NOTHING`,
				week.String(), callID, operator, reason, share, seed, now)
			if err == nil && tag.RowsAffected() == 1 {
				qs = append(qs, qc.Queued{Week: week.String(), CallID: callID, Operator: operator, Reason: reason, QueuedAt: now})
			}
			return err
		}
		// Calls complained about come first, so they are queued as cases.
		rows, err = tx.Query(ctx, `SELECT DISTINCT c.id, c.operator_login FROM qc_cases k JOIN calls c ON c.id = k.call_id
			WHERE c.operator_login IS NOT NULL AND c.arrived_at >= $1 AND c.arrived_at < $2 ORDER BY c.id`, from, to)
		if err != nil {
			return err
		}
		cased, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (c qc.AnsweredCall, err error) {
			err = r.Scan(&c.CallID, &c.Operator)
			return c, err
		})
		if err != nil {
			return err
		}
		for _, c := range cased {
			if err := add(c.CallID, c.Operator, "case"); err != nil {
				return err
			}
		}
		for _, c := range picked {
			if err := add(c.CallID, c.Operator, "sample"); err != nil {
				return err
			}
		}
		return nil
	})
	return qs, err
}

func (s *QCStore) Queue(ctx context.Context, week qc.Week) (qs []qc.Queued, err error) {
	defer apperr.Wrap(&err, "QC.Queue(%s)", week)
	rows, err := s.db.Pool.Query(ctx, `SELECT week, call_id, operator_login, reason, queued_at FROM qc_queue
		WHERE week = $1 ORDER BY operator_login, call_id`, week.String())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (q qc.Queued, err error) {
		err = r.Scan(&q.Week, &q.CallID, &q.Operator, &q.Reason, &q.QueuedAt)
		return q, err
	})
}
