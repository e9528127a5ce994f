package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/qc"
)

// RecordingIndexStore is the PostgreSQL qc.RecordingIndex: recordings joined with
// their calls, tickets and removals.
type RecordingIndexStore struct{ db *DB }

var _ qc.RecordingIndex = (*RecordingIndexStore)(nil)

// RecordingIndex returns the recordings index for reviewers and retention.
func (db *DB) RecordingIndex() *RecordingIndexStore { return &RecordingIndexStore{db: db} }

const reviewRecColumns = `r.id, r.call_id, c.line, c.caller_number, coalesce(nullif(r.operator_login, ''), c.operator_login, ''),
	coalesce(c.outcome, ''), c.arrived_at, r.started_at, r.stored_at, r.state, r.format, coalesce(r.path, ''),
	coalesce(r.sha256, ''), coalesce(r.size_bytes, 0), coalesce(r.duration_seconds, 0),
	array(SELECT t.reference FROM tickets t WHERE t.call_id = r.call_id OR t.recording_id = r.id ORDER BY t.id),
	rm.removed_at`

const reviewRecFrom = ` FROM recordings r JOIN calls c ON c.id = r.call_id
	LEFT JOIN recording_removals rm ON rm.recording_id = r.id`

func scanReviewRec(row pgx.Row) (r qc.Recording, err error) {
	err = row.Scan(&r.ID, &r.CallID, &r.Line, &r.CallerNumber, &r.OperatorLogin, &r.Outcome, &r.ArrivedAt,
		&r.StartedAt, &r.StoredAt, &r.State, &r.Format, &r.Path, &r.SHA256, &r.SizeBytes, &r.Duration,
		&r.Tickets, &r.RemovedAt)
	return r, err
}

func collectReviewRecs(rows pgx.Rows, err error) ([]qc.Recording, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (qc.Recording, error) { return scanReviewRec(r) })
}

// lastDigits keeps the last 10 digits of a phone number, so that +7 701..., 8 701...
// and 701... match.
func lastDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) > 10 {
		d = d[len(d)-10:]
	}
	return d
}

func (s *RecordingIndexStore) Search(ctx context.Context, q qc.Search) (recs []qc.Recording, next int64, err error) {
	defer apperr.Wrap(&err, "RecordingIndex.Search")
	if q.PageSize <= 0 {
		q.PageSize = 50
	}
	if q.PageSize > 200 {
		return nil, 0, apperr.Errorf(apperr.Invalid, "page_size at most 200")
	}
	var from, to *time.Time
	if !q.From.IsZero() {
		from = &q.From
	}
	if !q.To.IsZero() {
		to = &q.To
	}
	caller := ""
	if q.Caller != "" {
		if caller = lastDigits(q.Caller); caller == "" {
			return nil, 0, apperr.Errorf(apperr.Invalid, "caller %q has no digits", q.Caller)
		}
	}
	recs, err = collectReviewRecs(s.db.Pool.Query(ctx, `SELECT `+reviewRecColumns+reviewRecFrom+`
		WHERE r.state = 'stored'
		  AND ($1::timestamptz IS NULL OR c.arrived_at >= $1) AND ($2::timestamptz IS NULL OR c.arrived_at < $2)
		  AND ($3 = '' OR right(regexp_replace(c.caller_number, '\D', '', 'g'), 10) = $3)
		  AND ($4 = '' OR r.operator_login = $4 OR c.operator_login = $4)
		  AND ($5 = '' OR EXISTS (SELECT 1 FROM tickets t WHERE t.reference = $5
		                          AND (t.recording_id = r.id OR t.call_id = r.call_id)))
		  AND ($6 = '' OR c.outcome = $6)
		  AND coalesce(r.duration_seconds, 0) >= $7 AND ($8 = 0 OR coalesce(r.duration_seconds, 0) <= $8)
		  AND ($9 = 0 OR r.id < $9)
		ORDER BY r.id DESC LIMIT $10`,
		from, to, caller, q.Operator, q.Ticket, q.Outcome, q.MinDuration, q.MaxDuration, q.After, q.PageSize+1))
	if err != nil {
		return nil, 0, err
	}
	if len(recs) > q.PageSize {
		recs = recs[:q.PageSize]
		next = recs[len(recs)-1].ID
	}
	return recs, next, nil
}

func (s *RecordingIndexStore) Recording(ctx context.Context, id int64) (r qc.Recording, err error) {
	defer apperr.Wrap(&err, "RecordingIndex.Recording(%d)", id)
	r, err = scanReviewRec(s.db.Pool.QueryRow(ctx, `SELECT `+reviewRecColumns+reviewRecFrom+` WHERE r.id = $1`, id))
	return r, notFound(err, "recording %d not found", id)
}

func (s *RecordingIndexStore) Stored(ctx context.Context) (rs []qc.Recording, err error) {
	defer apperr.Wrap(&err, "RecordingIndex.Stored")
	return collectReviewRecs(s.db.Pool.Query(ctx, `SELECT `+reviewRecColumns+reviewRecFrom+`
		WHERE r.state = 'stored' AND rm.id IS NULL ORDER BY r.id`))
}

func (s *RecordingIndexStore) Expired(ctx context.Context, cutoff time.Time) (rs []qc.Recording, err error) {
	defer apperr.Wrap(&err, "RecordingIndex.Expired(%s)", cutoff.Format(time.RFC3339))
	return collectReviewRecs(s.db.Pool.Query(ctx, `SELECT `+reviewRecColumns+reviewRecFrom+`
		WHERE r.state = 'stored' AND rm.id IS NULL AND r.started_at < $1
		  AND NOT EXISTS (SELECT 1 FROM qc_cases k WHERE k.call_id = r.call_id OR k.complaint_call_id = r.call_id)
		  AND NOT EXISTS (SELECT 1 FROM qc_reviews v WHERE v.call_id = r.call_id AND v.case_id IS NOT NULL)
		  AND NOT EXISTS (SELECT 1 FROM tickets t WHERE (t.recording_id = r.id OR t.call_id = r.call_id)
		                  AND t.status NOT IN ('closed', 'cancelled', 'duplicate'))
		ORDER BY r.id`, cutoff))
}

func (s *RecordingIndexStore) Remove(ctx context.Context, id int64, reason string, remove func() error) (err error) {
	defer apperr.Wrap(&err, "RecordingIndex.Remove(%d)", id)
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO recording_removals (recording_id, removed_at, reason, path, sha256)
			SELECT id, $2, $3, coalesce(path, ''), coalesce(sha256, '') FROM recordings WHERE id = $1
			ON CONFLICT (recording_id) DO NOTHING`, id, s.db.Now(), reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.Errorf(apperr.Conflict, "recording %d not found or already removed", id)
		}
		return remove()
	})
}
