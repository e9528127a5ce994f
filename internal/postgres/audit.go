package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/qc"
)

// AccessLogStore is the PostgreSQL qc.AccessLog: table recording_access, which the
// database keeps append-only.
type AccessLogStore struct{ db *DB }

var _ qc.AccessLog = (*AccessLogStore)(nil)

// RecordingAccess returns the audit of recording access.
func (db *DB) RecordingAccess() *AccessLogStore { return &AccessLogStore{db: db} }

const accessColumns = `id, at, recording_id, coalesce(call_id, 0), action, coalesce(token_id, 0), token_name, role,
	subject, remote_addr, user_agent, http_range, reason`

func scanAccess(row pgx.Row) (a qc.Access, err error) {
	err = row.Scan(&a.ID, &a.At, &a.RecordingID, &a.CallID, &a.Action, &a.TokenID, &a.TokenName, &a.Role,
		&a.Subject, &a.RemoteAddr, &a.UserAgent, &a.Range, &a.Reason)
	return a, err
}

func (s *AccessLogStore) Record(ctx context.Context, a qc.Access) (out qc.Access, err error) {
	defer apperr.Wrap(&err, "RecordingAccess.Record(%d, %s)", a.RecordingID, a.Action)
	if a.Action != qc.Listen && a.Action != qc.Download && a.Action != qc.Denied {
		return a, apperr.Errorf(apperr.Invalid, "unknown access action %q", a.Action)
	}
	if a.At.IsZero() {
		a.At = s.db.Now()
	}
	return scanAccess(s.db.Pool.QueryRow(ctx, `INSERT INTO recording_access (at, recording_id, call_id, action,
			token_id, token_name, role, subject, remote_addr, user_agent, http_range, reason)
		VALUES ($1, $2, nullif($3, 0), $4, nullif($5, 0), $6, $7, $8, $9, $10, $11, $12)
		RETURNING `+accessColumns,
		a.At, a.RecordingID, a.CallID, a.Action, a.TokenID, a.TokenName, a.Role, a.Subject,
		a.RemoteAddr, a.UserAgent, a.Range, a.Reason))
}

func (s *AccessLogStore) Accesses(ctx context.Context, f qc.AccessFilter) (as []qc.Access, err error) {
	defer apperr.Wrap(&err, "RecordingAccess.Accesses")
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+accessColumns+` FROM recording_access
		WHERE ($1 = 0 OR recording_id = $1) AND ($2 = 0 OR token_id = $2) AND ($3 = '' OR subject = $3)
		  AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
		ORDER BY at DESC, id DESC LIMIT $6`, f.RecordingID, f.TokenID, f.Subject, from, to, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (qc.Access, error) { return scanAccess(r) })
}
