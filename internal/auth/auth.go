// Package auth is who may call the API: bearer tokens with one role each. Only a hash
// of a token is ever stored; the secret is shown once, when it is created.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Role is what a token's holder is.
type Role string

const (
	Operator   Role = "operator"
	Supervisor Role = "supervisor"
	QC         Role = "qc"         // quality-control reviewers
	Department Role = "department" // staff of a city department or utility
	Admin      Role = "admin"
	Open311    Role = "open311" // an Open311 client application
)

// Roles lists every role.
var Roles = []Role{Operator, Supervisor, QC, Department, Admin, Open311}

// ParseRole returns the role named s, or an apperr Invalid.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", apperr.Errorf(apperr.Invalid, "unknown role %q (one of %s)", s, strings.Join(names, ", "))
}

// Token describes an API token; it never holds the secret.
type Token struct {
	ID         int64
	Name       string
	Role       Role
	Subject    string // what the token acts for: an operator login, a department code
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// Principal is the authenticated caller of a request.
type Principal struct {
	TokenID int64
	Name    string
	Role    Role
	Subject string
}

// Is reports whether p holds one of roles. Admin holds every role.
func (p Principal) Is(roles ...Role) bool {
	if p.Role == Admin {
		return true
	}
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal in ctx, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// TokenStore keeps API tokens.
type TokenStore interface {
	// Create stores a new token and returns it with its secret, the only time the
	// secret is available. Name must not be empty; expiresAt may be nil.
	Create(ctx context.Context, name string, role Role, subject string, expiresAt *time.Time) (Token, string, error)
	// Authenticate returns the principal of a secret; apperr Unauthorized when the
	// secret is unknown, revoked or expired.
	Authenticate(ctx context.Context, secret string) (Principal, error)
	// List returns every token, newest first.
	List(ctx context.Context) ([]Token, error)
	// Revoke makes a token unusable; apperr NotFound when there is no such token.
	Revoke(ctx context.Context, id int64) error
}

const secretPrefix = "ikm_"

// NewSecret returns a new random token secret and its hash.
func NewSecret() (secret string, hash [32]byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than returning short)
	secret = secretPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the stored form of a secret.
func HashSecret(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// WellFormed reports whether s has the shape of a secret, so that garbage is refused
// before any look-up.
func WellFormed(s string) bool {
	if !strings.HasPrefix(s, secretPrefix) || len(s) != len(secretPrefix)+43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(secretPrefix):])
	return err == nil
}
