package postgres

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/operators"
)

// OperatorStore is the PostgreSQL operators.Store.
type OperatorStore struct{ db *DB }

var _ operators.Store = (*OperatorStore)(nil)

// Operators returns the operators store.
func (db *DB) Operators() *OperatorStore { return &OperatorStore{db: db} }

// Rules of operator records; the migration checks the same in the database.
var (
	validLogin = regexp.MustCompile(`^[A-Za-z0-9._-]{2,32}$`)
	// What an operator may serve, in the order error messages list them.
	languages = []string{"ru", "kk"}
	lines     = []string{"109", "556655"}
)

// reservedLogins are names an operator may not take: the citizens' trunk endpoint of
// pjsip.conf (a SIP account of the same name could not be provisioned) and the fixed
// path below /api/v1/operators/ that would hide the operator's own.
var reservedLogins = []string{"citizens", "live"}

// MinSIPPassword is the shortest SIP password accepted.
const MinSIPPassword = 8

const operatorColumns = `id, login, full_name, languages, lines, active, created_at, updated_at`

func scanOperator(row pgx.Row) (o operators.Operator, err error) {
	err = row.Scan(&o.ID, &o.Login, &o.FullName, &o.Languages, &o.Lines, &o.Active, &o.CreatedAt, &o.UpdatedAt)
	return o, err
}

func checkLogin(login string) error {
	if !validLogin.MatchString(login) {
		return apperr.Errorf(apperr.Invalid, "bad login %q: 2 to 32 letters, digits, '.', '_' or '-'", login)
	}
	if slices.Contains(reservedLogins, strings.ToLower(login)) {
		return apperr.Errorf(apperr.Invalid, "login %q is reserved", login)
	}
	return nil
}

// checkSet validates a list against the allowed values and returns it without
// duplicates, in the order given.
func checkSet(what string, in, allowed []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, v := range in {
		if !slices.Contains(allowed, v) {
			return nil, apperr.Errorf(apperr.Invalid, "unknown %s %q (one of %s)", what, v, strings.Join(allowed, ", "))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, apperr.Errorf(apperr.Invalid, "at least one %s is needed (one of %s)", what, strings.Join(allowed, ", "))
	}
	return out, nil
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.Errorf(apperr.Invalid, "an operator needs a full name")
	}
	if len([]rune(name)) > 200 {
		return "", apperr.Errorf(apperr.Invalid, "full name longer than 200 characters")
	}
	return name, nil
}

func checkSIPPassword(p string) error {
	if len([]rune(p)) < MinSIPPassword {
		return apperr.Errorf(apperr.Invalid, "the SIP password must have at least %d characters", MinSIPPassword)
	}
	if len(p) > 128 {
		return apperr.Errorf(apperr.Invalid, "the SIP password must have at most 128 bytes")
	}
	return nil
}

func (s *OperatorStore) Create(ctx context.Context, in operators.NewOperator) (o operators.Operator, err error) {
	defer apperr.Wrap(&err, "Operators.Create(%q)", in.Login)
	if err := checkLogin(in.Login); err != nil {
		return o, err
	}
	name, err := checkName(in.FullName)
	if err != nil {
		return o, err
	}
	langs, err := checkSet("language", in.Languages, languages)
	if err != nil {
		return o, err
	}
	lns := in.Lines
	if len(lns) == 0 {
		lns = []string{"109"}
	}
	if lns, err = checkSet("line", lns, lines); err != nil {
		return o, err
	}
	if err := checkSIPPassword(in.SIPPassword); err != nil {
		return o, err
	}
	now := s.db.Now()
	o, err = scanOperator(s.db.Pool.QueryRow(ctx, `INSERT INTO operators
			(login, full_name, languages, lines, sip_realm, sip_md5_cred, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		RETURNING `+operatorColumns,
		in.Login, name, langs, lns, operators.SIPRealm, operators.MD5Cred(in.Login, operators.SIPRealm, in.SIPPassword), now))
	if isUniqueViolation(err) {
		return o, apperr.Errorf(apperr.Conflict, "an operator with login %q exists", in.Login)
	}
	return o, err
}

func (s *OperatorStore) Update(ctx context.Context, login string, p operators.Patch) (o operators.Operator, err error) {
	defer apperr.Wrap(&err, "Operators.Update(%q)", login)
	// Arguments of the UPDATE; NULL keeps a column as it is.
	var name, cred *string
	var langs, lns []string
	if p.FullName != nil {
		n, err := checkName(*p.FullName)
		if err != nil {
			return o, err
		}
		name = &n
	}
	if p.Languages != nil {
		if langs, err = checkSet("language", *p.Languages, languages); err != nil {
			return o, err
		}
	}
	if p.Lines != nil {
		if lns, err = checkSet("line", *p.Lines, lines); err != nil {
			return o, err
		}
	}
	if p.SIPPassword != nil {
		if err := checkSIPPassword(*p.SIPPassword); err != nil {
			return o, err
		}
		// login is the stored one: the statement matches it exactly.
		c := operators.MD5Cred(login, operators.SIPRealm, *p.SIPPassword)
		cred = &c
	}
	if p == (operators.Patch{}) {
		return s.Get(ctx, login)
	}
	o, err = scanOperator(s.db.Pool.QueryRow(ctx, `UPDATE operators SET
			full_name = coalesce($2, full_name),
			languages = coalesce($3, languages),
			lines = coalesce($4, lines),
			sip_md5_cred = coalesce($5, sip_md5_cred),
			sip_realm = CASE WHEN $5::text IS NULL THEN sip_realm ELSE $6 END,
			active = coalesce($7, active),
			updated_at = $8
		WHERE login = $1
		RETURNING `+operatorColumns,
		login, name, langs, lns, cred, operators.SIPRealm, p.Active, s.db.Now()))
	return o, notFound(err, "operator %q not found", login)
}

func (s *OperatorStore) Get(ctx context.Context, login string) (o operators.Operator, err error) {
	defer apperr.Wrap(&err, "Operators.Get(%q)", login)
	o, err = scanOperator(s.db.Pool.QueryRow(ctx, `SELECT `+operatorColumns+` FROM operators WHERE login = $1`, login))
	return o, notFound(err, "operator %q not found", login)
}

func (s *OperatorStore) List(ctx context.Context, includeInactive bool) (os []operators.Operator, err error) {
	defer apperr.Wrap(&err, "Operators.List")
	rows, err := s.db.Pool.Query(ctx, `SELECT `+operatorColumns+` FROM operators
		WHERE active OR $1 ORDER BY login`, includeInactive)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (operators.Operator, error) { return scanOperator(r) })
}

// LastStates returns each operator's last logged state, by login; operators whose
// log is empty are left out.
func (s *OperatorStore) LastStates(ctx context.Context) (m map[string]operators.LastState, err error) {
	defer apperr.Wrap(&err, "Operators.LastStates")
	rows, err := s.db.Pool.Query(ctx, `SELECT o.login, l.to_state, l.reason FROM operators o
		JOIN LATERAL (SELECT to_state, reason FROM operator_state_log WHERE operator_id = o.id
			ORDER BY at DESC, id DESC LIMIT 1) l ON true`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m = map[string]operators.LastState{}
	for rows.Next() {
		var login string
		var st operators.LastState
		if err := rows.Scan(&login, &st.State, &st.Reason); err != nil {
			return nil, err
		}
		m[login] = st
	}
	return m, rows.Err()
}

func (s *OperatorStore) SIPAccounts(ctx context.Context) (as []operators.SIPAccount, err error) {
	defer apperr.Wrap(&err, "Operators.SIPAccounts")
	rows, err := s.db.Pool.Query(ctx, `SELECT login, sip_realm, sip_md5_cred, active FROM operators ORDER BY login`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (a operators.SIPAccount, err error) {
		err = r.Scan(&a.Login, &a.Realm, &a.MD5Cred, &a.Active)
		return a, err
	})
}

var states = []operators.State{operators.Offline, operators.Available, operators.Ringing,
	operators.OnCall, operators.WrapUp, operators.Paused}

func (s *OperatorStore) RecordState(ctx context.Context, c operators.StateChange) (err error) {
	defer apperr.Wrap(&err, "Operators.RecordState(%q, %s->%s)", c.Login, c.From, c.To)
	if !slices.Contains(states, c.From) || !slices.Contains(states, c.To) {
		return apperr.Errorf(apperr.Invalid, "unknown operator state in %q -> %q", c.From, c.To)
	}
	if c.At.IsZero() {
		c.At = s.db.Now()
	}
	var callID *int64
	if c.CallID != 0 {
		callID = &c.CallID
	}
	tag, err := s.db.Pool.Exec(ctx, `INSERT INTO operator_state_log (operator_id, at, from_state, to_state, reason, call_id)
		SELECT id, $2, $3, $4, $5, $6 FROM operators WHERE login = $1`,
		c.Login, c.At, c.From, c.To, c.Reason, callID)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" { // foreign_key_violation: the call
		return apperr.Errorf(apperr.Invalid, "call %d does not exist", c.CallID)
	}
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return apperr.Errorf(apperr.NotFound, "operator %q not found", c.Login)
	}
	return nil
}

func (s *OperatorStore) StateLog(ctx context.Context, login string, from, to time.Time) (cs []operators.StateChange, err error) {
	defer apperr.Wrap(&err, "Operators.StateLog(%q)", login)
	if !from.Before(to) {
		return nil, apperr.Errorf(apperr.Invalid, "the period's start %s is not before its end %s",
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM operators WHERE login = $1`, login).Scan(&id); err != nil {
			return notFound(err, "operator %q not found", login)
		}
		rows, err := tx.Query(ctx, `SELECT at, from_state, to_state, reason, coalesce(call_id, 0)
			FROM operator_state_log WHERE operator_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id`, id, from, to)
		if err != nil {
			return err
		}
		cs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (c operators.StateChange, err error) {
			c.Login = login
			err = r.Scan(&c.At, &c.From, &c.To, &c.Reason, &c.CallID)
			return c, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}
