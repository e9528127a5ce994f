package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/testenv"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	s := db.Tokens()

	tok, secret, err := s.Create(ctx, "Aigerim S.", auth.Operator, "aigerim", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Authenticate(ctx, secret)
	if err != nil || p.Role != auth.Operator || p.TokenID != tok.ID || p.Subject != "aigerim" {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	var stored []byte
	db.Pool.QueryRow(ctx, `SELECT token_hash FROM api_tokens WHERE id = $1`, tok.ID).Scan(&stored)
	if string(stored) == secret || len(stored) != 32 {
		t.Fatal("the secret itself is stored")
	}

	t.Run("bad input", func(t *testing.T) {
		if _, _, err := s.Create(ctx, " ", auth.Admin, "", nil); apperr.Code(err) != apperr.Invalid {
			t.Errorf("empty name: %v", err)
		}
		if _, _, err := s.Create(ctx, "x", auth.Role("root"), "", nil); apperr.Code(err) != apperr.Invalid {
			t.Errorf("bad role: %v", err)
		}
		past := now.Add(-time.Hour)
		if _, _, err := s.Create(ctx, "x", auth.Admin, "", &past); apperr.Code(err) != apperr.Invalid {
			t.Errorf("past expiry: %v", err)
		}
		if _, err := s.Authenticate(ctx, "garbage"); apperr.Code(err) != apperr.Unauthorized {
			t.Errorf("garbage secret: %v", err)
		}
		other, _ := auth.NewSecret()
		if _, err := s.Authenticate(ctx, other); apperr.Code(err) != apperr.Unauthorized {
			t.Errorf("unknown secret: %v", err)
		}
	})
	t.Run("expired tokens are refused", func(t *testing.T) {
		exp := now.Add(time.Hour)
		_, sec, err := s.Create(ctx, "temp", auth.QC, "", &exp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, sec); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Hour)
		if _, err := s.Authenticate(ctx, sec); apperr.Code(err) != apperr.Unauthorized {
			t.Fatalf("expired: %v", err)
		}
	})
	t.Run("revoked tokens are refused", func(t *testing.T) {
		if err := s.Revoke(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, secret); apperr.Code(err) != apperr.Unauthorized {
			t.Fatalf("revoked: %v", err)
		}
		if err := s.Revoke(ctx, 424242); apperr.Code(err) != apperr.NotFound {
			t.Fatalf("revoke missing: %v", err)
		}
	})
	list, err := s.List(ctx)
	if err != nil || len(list) != 2 || list[1].RevokedAt == nil || list[1].LastUsedAt == nil {
		t.Fatalf("List = %+v, %v", list, err)
	}
}
