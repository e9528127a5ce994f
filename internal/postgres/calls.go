package postgres

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/calls"
)

// CallStore is the PostgreSQL calls.Store.
type CallStore struct{ db *DB }

var _ calls.Store = (*CallStore)(nil)

// Calls returns the calls store.
func (db *DB) Calls() *CallStore { return &CallStore{db: db} }

const callColumns = `id, asterisk_id, channel_id, line, caller_number, caller_name, language,
	state, coalesce(outcome, ''), arrived_at, answered_at, ended_at, hangup_cause, coalesce(hangup_cause_text, ''),
	priority, queued_at, connected_at, coalesce(operator_login, '')`

func scanCall(row pgx.Row) (c calls.Call, err error) {
	err = row.Scan(&c.ID, &c.AsteriskID, &c.ChannelID, &c.Line, &c.CallerNumber, &c.CallerName,
		&c.Language, &c.State, &c.Outcome, &c.ArrivedAt, &c.AnsweredAt, &c.EndedAt, &c.HangupCause,
		&c.HangupCauseText, &c.Priority, &c.QueuedAt, &c.ConnectedAt, &c.OperatorLogin)
	return c, err
}

func (s *CallStore) Arrive(ctx context.Context, c calls.Call) (call calls.Call, created bool, err error) {
	defer apperr.Wrap(&err, "Calls.Arrive(%s/%s)", c.AsteriskID, c.ChannelID)
	if c.AsteriskID == "" || c.ChannelID == "" || c.Line == "" {
		return calls.Call{}, false, apperr.Errorf(apperr.Invalid, "a call needs an Asterisk id, a channel id and a line")
	}
	if c.ArrivedAt.IsZero() {
		c.ArrivedAt = s.db.Now()
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		call, err = scanCall(tx.QueryRow(ctx, `
			INSERT INTO calls (asterisk_id, channel_id, line, caller_number, caller_name, language, arrived_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (asterisk_id, channel_id) DO NOTHING
			RETURNING `+callColumns,
			c.AsteriskID, c.ChannelID, c.Line, c.CallerNumber, c.CallerName, c.Language, c.ArrivedAt))
		if err == pgx.ErrNoRows {
			call, err = scanCall(tx.QueryRow(ctx, `SELECT `+callColumns+` FROM calls
				WHERE asterisk_id = $1 AND channel_id = $2`, c.AsteriskID, c.ChannelID))
			return err
		}
		if err != nil {
			return err
		}
		created = true
		return addEvent(ctx, tx, call.ID, calls.Event{At: c.ArrivedAt, Type: "arrived",
			Detail: map[string]any{"line": c.Line, "caller": c.CallerNumber}})
	})
	return call, created, err
}

func (s *CallStore) Answer(ctx context.Context, id int64, t time.Time) (err error) {
	defer apperr.Wrap(&err, "Calls.Answer(%d)", id)
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE calls SET answered_at = $2
			WHERE id = $1 AND answered_at IS NULL AND ended_at IS NULL`, id, t)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return addEvent(ctx, tx, id, calls.Event{At: t, Type: "answered"})
	})
}

func (s *CallStore) SetState(ctx context.Context, id int64, st calls.State) (err error) {
	defer apperr.Wrap(&err, "Calls.SetState(%d, %s)", id, st)
	tag, err := s.db.Pool.Exec(ctx, `UPDATE calls SET state = $2 WHERE id = $1 AND ended_at IS NULL`, id, st)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return apperr.Errorf(apperr.Conflict, "call %d has ended or does not exist", id)
	}
	return nil
}

func (s *CallStore) End(ctx context.Context, id int64, t time.Time, cause int, causeText string, outcome calls.Outcome) (ended bool, err error) {
	defer apperr.Wrap(&err, "Calls.End(%d)", id)
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE calls SET state = 'ended', ended_at = $2, hangup_cause = $3,
				hangup_cause_text = $4, outcome = $5
			WHERE id = $1 AND ended_at IS NULL`, id, t, cause, causeText, outcome)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		ended = true
		return addEvent(ctx, tx, id, calls.Event{At: t, Type: "ended",
			Detail: map[string]any{"cause": cause, "cause_text": causeText, "outcome": string(outcome)}})
	})
	return ended, err
}

func (s *CallStore) Queue(ctx context.Context, id int64, t time.Time, language string, priority int) (err error) {
	defer apperr.Wrap(&err, "Calls.Queue(%d)", id)
	if priority < 0 || priority > 9 {
		return apperr.Errorf(apperr.Invalid, "priority %d outside 0..9", priority)
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE calls SET state = 'queued', queued_at = coalesce(queued_at, $2),
				language = $3, priority = $4
			WHERE id = $1 AND ended_at IS NULL`, id, t, language, priority)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.Errorf(apperr.Conflict, "call %d has ended or does not exist", id)
		}
		return addEvent(ctx, tx, id, calls.Event{At: t, Type: "queued",
			Detail: map[string]any{"language": language, "priority": priority}})
	})
}

func (s *CallStore) Connect(ctx context.Context, id int64, t time.Time, operator string) (err error) {
	defer apperr.Wrap(&err, "Calls.Connect(%d)", id)
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE calls SET state = 'connected', connected_at = $2, operator_login = $3
			WHERE id = $1 AND ended_at IS NULL`, id, t, operator)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.Errorf(apperr.Conflict, "call %d has ended or does not exist", id)
		}
		return addEvent(ctx, tx, id, calls.Event{At: t, Type: "connected", Detail: map[string]any{"operator": operator}})
	})
}

func (s *CallStore) AddEvent(ctx context.Context, id int64, e calls.Event) (err error) {
	defer apperr.Wrap(&err, "Calls.AddEvent(%d, %s)", id, e.Type)
	return addEvent(ctx, s.db.Pool, id, e)
}

// execer is what a pool and a transaction have in common.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func addEvent(ctx context.Context, q execer, id int64, e calls.Event) error {
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	_, err := q.Exec(ctx, `INSERT INTO call_events (call_id, at, type, detail) VALUES ($1, $2, $3, $4)`,
		id, e.At, e.Type, e.Detail)
	return err
}

func (s *CallStore) Get(ctx context.Context, id int64) (c calls.Call, err error) {
	defer apperr.Wrap(&err, "Calls.Get(%d)", id)
	c, err = scanCall(s.db.Pool.QueryRow(ctx, `SELECT `+callColumns+` FROM calls WHERE id = $1`, id))
	return c, notFound(err, "call %d not found", id)
}

func (s *CallStore) Many(ctx context.Context, ids []int64) (cs []calls.Call, err error) {
	defer apperr.Wrap(&err, "Calls.Many(%d ids)", len(ids))
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+callColumns+` FROM calls WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (calls.Call, error) { return scanCall(r) })
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]calls.Call, len(found))
	for _, c := range found {
		byID[c.ID] = c
	}
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			cs = append(cs, c)
		}
	}
	return cs, nil
}

func (s *CallStore) Summarize(ctx context.Context, from, to time.Time, line string, target time.Duration) (sum calls.Summary, err error) {
	defer apperr.Wrap(&err, "Calls.Summarize")
	if !from.Before(to) {
		return sum, apperr.Errorf(apperr.Invalid, "from %s is not before to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if target <= 0 {
		return sum, apperr.Errorf(apperr.Invalid, "the service level's target must be positive, not %s", target)
	}
	sum = calls.Summary{From: from, To: to, Line: line, TargetSeconds: target.Seconds()}
	var wait, longest, talk *float64
	err = s.db.Pool.QueryRow(ctx, `
		WITH c AS (
			SELECT outcome, ended_at IS NULL AS open,
				extract(epoch FROM connected_at - queued_at)::float8 AS wait,
				extract(epoch FROM ended_at - queued_at)::float8 AS abandon_wait,
				extract(epoch FROM ended_at - connected_at)::float8 AS talk
			FROM calls WHERE arrived_at >= $1 AND arrived_at < $2 AND ($3 = '' OR line = $3)
		)
		SELECT count(*), count(*) FILTER (WHERE open),
			count(*) FILTER (WHERE outcome = 'answered'),
			count(*) FILTER (WHERE outcome = 'abandoned'),
			count(*) FILTER (WHERE outcome = 'abandoned' AND abandon_wait > $4),
			count(*) FILTER (WHERE outcome = 'completed'),
			count(*) FILTER (WHERE outcome = 'failed'),
			count(*) FILTER (WHERE outcome = 'answered' AND wait <= $4),
			avg(wait) FILTER (WHERE outcome = 'answered'),
			max(wait) FILTER (WHERE outcome = 'answered'),
			avg(talk) FILTER (WHERE outcome = 'answered')
		FROM c`, from, to, line, target.Seconds()).Scan(&sum.Arrived, &sum.Open, &sum.Answered, &sum.Abandoned,
		&sum.AbandonedAfterTarget, &sum.Completed, &sum.Failed, &sum.AnsweredWithinTarget, &wait, &longest, &talk)
	if err != nil {
		return sum, err
	}
	for _, v := range []struct {
		from *float64
		to   *float64
	}{{wait, &sum.AverageWaitSeconds}, {longest, &sum.LongestWaitSeconds}, {talk, &sum.AverageTalkSeconds}} {
		if v.from != nil {
			*v.to = math.Round(*v.from*10) / 10
		}
	}
	if n := sum.Answered + sum.AbandonedAfterTarget; n > 0 {
		sl := math.Round(float64(sum.AnsweredWithinTarget)/float64(n)*1000) / 1000
		sum.ServiceLevel = &sl
	}
	return sum, nil
}

func (s *CallStore) ByChannel(ctx context.Context, asteriskID, channelID string) (c calls.Call, err error) {
	defer apperr.Wrap(&err, "Calls.ByChannel(%s/%s)", asteriskID, channelID)
	c, err = scanCall(s.db.Pool.QueryRow(ctx, `SELECT `+callColumns+` FROM calls
		WHERE asterisk_id = $1 AND channel_id = $2`, asteriskID, channelID))
	return c, notFound(err, "no call for channel %s", channelID)
}

func (s *CallStore) Events(ctx context.Context, id int64) (evs []calls.Event, err error) {
	defer apperr.Wrap(&err, "Calls.Events(%d)", id)
	rows, err := s.db.Pool.Query(ctx, `SELECT at, type, detail FROM call_events WHERE call_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (e calls.Event, err error) {
		err = r.Scan(&e.At, &e.Type, &e.Detail)
		return e, err
	})
}

func (s *CallStore) Open(ctx context.Context, asteriskID string) (cs []calls.Call, err error) {
	defer apperr.Wrap(&err, "Calls.Open(%s)", asteriskID)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+callColumns+` FROM calls
		WHERE asterisk_id = $1 AND ended_at IS NULL ORDER BY arrived_at, id`, asteriskID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (calls.Call, error) { return scanCall(r) })
}
