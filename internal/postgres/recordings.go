package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/recordings"
)

// RecordingStore is the PostgreSQL recordings.Store.
type RecordingStore struct{ db *DB }

var _ recordings.Store = (*RecordingStore)(nil)

// Recordings returns the recordings store.
func (db *DB) Recordings() *RecordingStore { return &RecordingStore{db: db} }

const recColumns = `id, call_id, asterisk_id, name, format, operator_login, state, started_at, finished_at,
	stored_at, coalesce(path, ''), coalesce(sha256, ''), coalesce(size_bytes, 0), coalesce(duration_seconds, 0),
	attempts, coalesce(last_error, '')`

func scanRec(row pgx.Row) (r recordings.Rec, err error) {
	err = row.Scan(&r.ID, &r.CallID, &r.AsteriskID, &r.Name, &r.Format, &r.OperatorLogin, &r.State, &r.StartedAt,
		&r.FinishedAt, &r.StoredAt, &r.Path, &r.SHA256, &r.SizeBytes, &r.Duration, &r.Attempts, &r.LastError)
	return r, err
}

func (s *RecordingStore) Start(ctx context.Context, r recordings.Rec) (out recordings.Rec, err error) {
	defer apperr.Wrap(&err, "Recordings.Start(%s)", r.Name)
	if r.Format == "" {
		r.Format = "wav"
	}
	return scanRec(s.db.Pool.QueryRow(ctx, `INSERT INTO recordings (call_id, asterisk_id, name, format, operator_login, started_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (asterisk_id, name) DO UPDATE SET operator_login = excluded.operator_login
		RETURNING `+recColumns, r.CallID, r.AsteriskID, r.Name, r.Format, r.OperatorLogin, r.StartedAt))
}

func (s *RecordingStore) Finish(ctx context.Context, id int64, t time.Time, failed bool, reason string) (err error) {
	defer apperr.Wrap(&err, "Recordings.Finish(%d)", id)
	state := recordings.Finished
	if failed {
		state = recordings.Failed
	}
	_, err = s.db.Pool.Exec(ctx, `UPDATE recordings SET state = $2, finished_at = coalesce(finished_at, $3),
			last_error = nullif($4, '')
		WHERE id = $1 AND state = 'recording'`, id, state, t, reason)
	return err
}

func (s *RecordingStore) Store(ctx context.Context, id int64, path, sum string, size int64, dur float64, t time.Time) (err error) {
	defer apperr.Wrap(&err, "Recordings.Store(%d)", id)
	_, err = s.db.Pool.Exec(ctx, `UPDATE recordings SET state = 'stored', path = $2, sha256 = $3, size_bytes = $4,
			duration_seconds = $5, stored_at = $6, finished_at = coalesce(finished_at, $6), last_error = NULL
		WHERE id = $1`, id, path, sum, size, dur, t)
	return err
}

func (s *RecordingStore) Attempt(ctx context.Context, id int64, reason string) (err error) {
	defer apperr.Wrap(&err, "Recordings.Attempt(%d)", id)
	_, err = s.db.Pool.Exec(ctx, `UPDATE recordings SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, id, reason)
	return err
}

func (s *RecordingStore) Pending(ctx context.Context, asteriskID string) (rs []recordings.Rec, err error) {
	defer apperr.Wrap(&err, "Recordings.Pending(%s)", asteriskID)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+recColumns+` FROM recordings
		WHERE state IN ('recording', 'finished') AND asterisk_id = $1 ORDER BY id`, asteriskID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (recordings.Rec, error) { return scanRec(r) })
}

func (s *RecordingStore) ByCall(ctx context.Context, callID int64) (rs []recordings.Rec, err error) {
	defer apperr.Wrap(&err, "Recordings.ByCall(%d)", callID)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+recColumns+` FROM recordings WHERE call_id = $1 ORDER BY id`, callID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (recordings.Rec, error) { return scanRec(r) })
}
