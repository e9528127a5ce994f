// Package sipaccounts provisions operators' SIP accounts on Asterisk: for every active
// operator a PJSIP endpoint, auth and aor written through ARI's dynamic configuration
// (stored in astdb, see asterisk/sorcery.conf), and for every disabled one their
// removal. PostgreSQL is the source of truth; Sync makes Asterisk match it.
//
// The three objects of an operator share one id, the login: sorcery keeps each object
// type apart (astdb families ikomek_endpoint, ikomek_auth, ikomek_aor), and the
// endpoint name is the SIP user name softphones register with.
package sipaccounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/operators"
)

// Context is the dialplan context calls from operators' softphones enter.
const Context = "from-operators"

// QualifyFrequency is how often, in seconds, Asterisk checks a registered softphone
// with OPTIONS; it is what turns the endpoint online or offline (ContactStatusChange,
// EndpointStateChange) and so how fast a vanished softphone is noticed.
const QualifyFrequency = 15

const configClass = "res_pjsip"

// Object types of the dynamic configuration, in the order they are created; an
// endpoint refers to its auth and aor.
const (
	typeAuth     = "auth"
	typeAOR      = "aor"
	typeEndpoint = "endpoint"
)

// Provisioner writes operators' SIP accounts to one Asterisk server.
type Provisioner struct {
	Asterisk  ari.Asterisk
	Endpoints ari.Endpoints // lists what exists, so removals touch only what is there
	Log       *slog.Logger  // nil: no logging

	mu sync.Mutex // one Sync at a time: two could race an aor's delete and create
}

// Source is where the accounts come from: operators.Store has it.
type Source interface {
	SIPAccounts(ctx context.Context) ([]operators.SIPAccount, error)
}

// SyncFrom reads every account from src and syncs them.
func (p *Provisioner) SyncFrom(ctx context.Context, src Source) error {
	accts, err := src.SIPAccounts(ctx)
	if err != nil {
		return fmt.Errorf("sipaccounts: reading accounts: %w", err)
	}
	return p.Sync(ctx, accts)
}

// Sync makes Asterisk hold an endpoint, auth and aor for every active account, as
// desired now (a changed password is applied), and none for the inactive ones.
//
// It is idempotent: each object is read first and written only when it is missing or
// differs. Asterisk 22 accepts a PUT that changes nothing (200) but rewrites the
// object, and rewriting an aor stores the contacts registered on it as permanent
// ones; so an aor that must change is deleted and created again (its softphone
// registers anew at its next refresh) and one that matches is left alone.
//
// An inactive account's objects are removed only when Asterisk lists its endpoint, so
// that years of disabled operators cost one listing per Sync. The endpoint goes first:
// removing the aor makes Asterisk look up the endpoints of its contacts, and a look-up
// racing the endpoint's removal leaves its state behind (see clearStale).
// Failures of one account do not stop the others; they are all returned joined.
func (p *Provisioner) Sync(ctx context.Context, accts []operators.SIPAccount) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	log := p.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	var errs []error
	var existing map[string]bool // PJSIP endpoints on the server; nil: unknown
	listed := false
	for _, a := range accts {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if !validID.MatchString(a.Login) {
			errs = append(errs, fmt.Errorf("sipaccounts: bad login %q", a.Login))
			continue
		}
		if !a.Active {
			if !listed {
				existing, listed = p.endpoints(ctx, log), true
			}
			if existing != nil && !existing[a.Login] {
				continue
			}
			removed, err := p.remove(ctx, a.Login)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if removed {
				log.Info("SIP account removed", "login", a.Login)
				continue
			}
			if existing != nil {
				// Listed, yet nothing configured: a stale endpoint state (see clearStale).
				if err := p.clearStale(ctx, a.Login); err != nil {
					errs = append(errs, err)
					continue
				}
				log.Info("stale SIP endpoint state cleared", "login", a.Login)
			}
			continue
		}
		changed, err := p.ensure(ctx, a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(changed) > 0 {
			log.Info("SIP account provisioned", "login", a.Login, "written", strings.Join(changed, ","))
		}
	}
	return errors.Join(errs...)
}

// validID is what may name an object: operators' logins (letters, digits, '.', '_',
// '-'), which need no escaping in SIP or in astdb keys.
var validID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

var validCred = regexp.MustCompile(`^[0-9a-f]{32}$`)

// endpoints returns the names of the PJSIP endpoints on the server, or nil when they
// cannot be listed (then every inactive account is removed blindly).
func (p *Provisioner) endpoints(ctx context.Context, log *slog.Logger) map[string]bool {
	if p.Endpoints == nil {
		return nil
	}
	eps, err := p.Endpoints.ListByTech(ctx, "PJSIP")
	if err != nil {
		log.Warn("listing PJSIP endpoints failed; removing disabled accounts blindly", "err", err)
		return nil
	}
	m := make(map[string]bool, len(eps))
	for _, e := range eps {
		m[e.Resource] = true
	}
	return m
}

// Objects returns the dynamic configuration objects of an active account, in the
// order they must be created: auth, aor, endpoint; each is named by the login.
func Objects(a operators.SIPAccount) []Object {
	realm := a.Realm
	if realm == "" {
		realm = operators.SIPRealm
	}
	return []Object{
		{Type: typeAuth, ID: a.Login, Fields: []ari.ConfigTuple{
			{Attribute: "auth_type", Value: "md5"},
			{Attribute: "username", Value: a.Login},
			{Attribute: "realm", Value: realm},
			{Attribute: "md5_cred", Value: a.MD5Cred},
		}},
		{Type: typeAOR, ID: a.Login, Fields: []ari.ConfigTuple{
			// One softphone per operator: a new registration replaces the old one.
			{Attribute: "max_contacts", Value: "1"},
			{Attribute: "remove_existing", Value: "yes"},
			{Attribute: "qualify_frequency", Value: fmt.Sprint(QualifyFrequency)},
		}},
		{Type: typeEndpoint, ID: a.Login, Fields: []ari.ConfigTuple{
			{Attribute: "context", Value: Context},
			{Attribute: "disallow", Value: "all"},
			{Attribute: "allow", Value: "alaw,ulaw"},
			{Attribute: "auth", Value: a.Login},
			{Attribute: "aors", Value: a.Login},
			// Media always through Asterisk: calls are recorded from the bridge.
			{Attribute: "direct_media", Value: "no"},
			// Media and replies go back where packets come from (symmetric RTP, rport)...
			{Attribute: "rtp_symmetric", Value: "yes"},
			{Attribute: "force_rport", Value: "yes"},
			// ...but calls go to the Contact the softphone registered: operators sit on the
			// center's own network, and a phone may register from another port than the
			// one it takes calls on.
			{Attribute: "rewrite_contact", Value: "no"},
			{Attribute: "dtmf_mode", Value: "rfc4733"},
			// A softphone that vanished mid-call without a BYE is hung up.
			{Attribute: "rtp_timeout", Value: "60"},
			{Attribute: "language", Value: "ru"},
		}},
	}
}

// Object is one PJSIP sorcery object as written through ARI.
type Object struct {
	Type   string // "auth", "aor" or "endpoint"
	ID     string
	Fields []ari.ConfigTuple
}

// ensure creates or updates an active account's objects and returns the types it
// wrote.
func (p *Provisioner) ensure(ctx context.Context, a operators.SIPAccount) (written []string, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("sipaccounts: provisioning %s: %w", a.Login, err)
		}
	}()
	if !validCred.MatchString(a.MD5Cred) {
		return nil, errors.New("the MD5 credential is not 32 lower-case hex digits")
	}
	for _, o := range Objects(a) {
		cur, err := p.Asterisk.GetConfig(ctx, configClass, o.Type, o.ID)
		switch {
		case ari.IsNotFound(err):
		case err != nil:
			return written, err
		case matches(cur, o.Fields):
			continue
		case o.Type == typeAOR:
			// Rewriting an aor would keep its registered contacts as permanent ones.
			if err := p.Asterisk.DeleteConfig(ctx, configClass, o.Type, o.ID); err != nil {
				return written, err
			}
		}
		if o.Type == typeAOR {
			err = p.putAOR(ctx, o)
		} else {
			_, err = p.Asterisk.UpdateConfig(ctx, configClass, o.Type, o.ID, o.Fields)
		}
		if err != nil {
			return written, err
		}
		written = append(written, o.Type)
	}
	return written, nil
}

// remove deletes an account's objects that exist, endpoint first (see Sync), and
// reports whether there was any.
func (p *Provisioner) remove(ctx context.Context, login string) (removed bool, err error) {
	for _, typ := range []string{typeEndpoint, typeAOR, typeAuth} {
		_, err := p.Asterisk.GetConfig(ctx, configClass, typ, login)
		if ari.IsNotFound(err) {
			continue
		}
		if err == nil {
			err = p.Asterisk.DeleteConfig(ctx, configClass, typ, login)
		}
		if err != nil {
			return removed, fmt.Errorf("sipaccounts: removing %s %s: %w", typ, login, err)
		}
		removed = true
	}
	return removed, nil
}

// clearStale removes the state Asterisk keeps of an endpoint whose configuration is
// gone. Asterisk (re)creates that state whenever it loads the endpoint's configuration
// and drops it when the configuration is deleted; a load racing a deletion leaves it
// behind for good, listed as an offline endpoint. Writing and deleting the
// configuration once more drops it.
func (p *Provisioner) clearStale(ctx context.Context, login string) error {
	ep := Objects(operators.SIPAccount{Login: login})[2]
	if _, err := p.Asterisk.UpdateConfig(ctx, configClass, ep.Type, ep.ID, ep.Fields); err != nil {
		return fmt.Errorf("sipaccounts: clearing stale endpoint %s: %w", login, err)
	}
	if err := p.Asterisk.DeleteConfig(ctx, configClass, ep.Type, ep.ID); err != nil {
		return fmt.Errorf("sipaccounts: clearing stale endpoint %s: %w", login, err)
	}
	return nil
}

// putAOR writes an aor so that it holds no contact. Asterisk writes every contact it
// knows under the aor's id into the stored aor, where they come back as permanent
// contacts; and it drops the contacts of a deleted aor asynchronously, so an aor
// written right after a deletion may catch them. Such an aor is deleted and written
// again a little later.
func (p *Provisioner) putAOR(ctx context.Context, o Object) error {
	delay := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		got, err := p.Asterisk.UpdateConfig(ctx, configClass, o.Type, o.ID, o.Fields)
		if err != nil {
			return err
		}
		contact := ""
		for _, t := range got {
			if t.Attribute == "contact" {
				contact = t.Value
			}
		}
		if contact == "" {
			return nil
		}
		if err := p.Asterisk.DeleteConfig(ctx, configClass, o.Type, o.ID); err != nil {
			return err
		}
		if attempt == 5 {
			return fmt.Errorf("aor %s keeps contacts %q", o.ID, contact)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// matches reports whether every wanted field has its value in cur, the object as
// Asterisk reports it. Fields Asterisk does not report (disallow) are not compared.
func matches(cur, want []ari.ConfigTuple) bool {
	have := make(map[string]string, len(cur))
	for _, t := range cur {
		have[t.Attribute] = t.Value
	}
	for _, w := range want {
		v, ok := have[w.Attribute]
		if ok && canonical(v) != canonical(w.Value) {
			return false
		}
	}
	return true
}

// canonical puts a value in the form Asterisk reports it: booleans as true/false
// (written as yes/no) and codec lists "(alaw|ulaw)" as "alaw,ulaw".
func canonical(v string) string {
	switch strings.ToLower(v) {
	case "yes", "true", "on":
		return "true"
	case "no", "false", "off":
		return "false"
	}
	if len(v) >= 2 && v[0] == '(' && v[len(v)-1] == ')' {
		v = strings.ReplaceAll(v[1:len(v)-1], "|", ",")
	}
	return v
}
