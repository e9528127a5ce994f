package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
)

// TokenStore is the PostgreSQL auth.TokenStore.
type TokenStore struct{ db *DB }

var _ auth.TokenStore = (*TokenStore)(nil)

// Tokens returns the API token store.
func (db *DB) Tokens() *TokenStore { return &TokenStore{db: db} }

func (s *TokenStore) Create(ctx context.Context, name string, role auth.Role, subject string, expiresAt *time.Time) (t auth.Token, secret string, err error) {
	defer apperr.Wrap(&err, "Tokens.Create(%q)", name)
	name = strings.TrimSpace(name)
	if name == "" {
		return t, "", apperr.Errorf(apperr.Invalid, "a token needs a name")
	}
	if _, err := auth.ParseRole(string(role)); err != nil {
		return t, "", err
	}
	now := s.db.Now()
	if expiresAt != nil && !expiresAt.After(now) {
		return t, "", apperr.Errorf(apperr.Invalid, "expiry %s is in the past", expiresAt.Format(time.RFC3339))
	}
	secret, hash := auth.NewSecret()
	err = s.db.Pool.QueryRow(ctx, `INSERT INTO api_tokens (name, role, subject, token_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, name, role, subject, hash[:], now, expiresAt).Scan(&t.ID)
	if err != nil {
		return t, "", err
	}
	t.Name, t.Role, t.Subject, t.CreatedAt, t.ExpiresAt = name, role, subject, now, expiresAt
	return t, secret, nil
}

func (s *TokenStore) Authenticate(ctx context.Context, secret string) (p auth.Principal, err error) {
	if !auth.WellFormed(secret) {
		return p, apperr.Errorf(apperr.Unauthorized, "invalid token")
	}
	hash := auth.HashSecret(secret)
	now := s.db.Now()
	var lastUsed *time.Time
	err = s.db.Pool.QueryRow(ctx, `SELECT id, name, role, subject, last_used_at FROM api_tokens
		WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
		hash[:], now).Scan(&p.TokenID, &p.Name, &p.Role, &p.Subject, &lastUsed)
	if err == pgx.ErrNoRows {
		return p, apperr.Errorf(apperr.Unauthorized, "invalid, revoked or expired token")
	}
	if err != nil {
		return p, err
	}
	// Last use is kept to the minute: no write on every request.
	if lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		if _, err := s.db.Pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, p.TokenID, now); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (s *TokenStore) List(ctx context.Context) (ts []auth.Token, err error) {
	defer apperr.Wrap(&err, "Tokens.List")
	rows, err := s.db.Pool.Query(ctx, `SELECT id, name, role, subject, created_at, expires_at, revoked_at, last_used_at
		FROM api_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (t auth.Token, err error) {
		err = r.Scan(&t.ID, &t.Name, &t.Role, &t.Subject, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt)
		return t, err
	})
}

func (s *TokenStore) Revoke(ctx context.Context, id int64) (err error) {
	defer apperr.Wrap(&err, "Tokens.Revoke(%d)", id)
	tag, err := s.db.Pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, s.db.Now())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return apperr.Errorf(apperr.NotFound, "no token %d", id)
	}
	return nil
}
