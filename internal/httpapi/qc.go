package httpapi

import (
	"net/http"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/qc"
)

var reviewers = []auth.Role{auth.QC, auth.Supervisor}

func (s *Server) reviewRoutes() {
	s.api("GET /api/v1/qc/forms", s.qcForms, reviewers...)
	s.api("POST /api/v1/qc/forms", s.qcCreateForm, auth.Supervisor)
	s.api("GET /api/v1/qc/forms/{id}", s.qcForm, reviewers...)
	s.api("GET /api/v1/qc/cases", s.qcCases, reviewers...)
	s.api("POST /api/v1/qc/cases", s.qcOpenCase, reviewers...)
	s.api("GET /api/v1/qc/cases/{id}", s.qcCase, reviewers...)
	s.api("POST /api/v1/qc/cases/{id}/link", s.qcLinkCase, reviewers...)
	s.api("POST /api/v1/qc/cases/{id}/close", s.qcCloseCase, reviewers...)
	s.api("GET /api/v1/qc/reviews", s.qcReviews, reviewers...)
	s.api("POST /api/v1/qc/reviews", s.qcAddReview, reviewers...)
	s.api("GET /api/v1/qc/operators/{login}/score", s.qcScore, reviewers...)
	s.api("GET /api/v1/qc/queue", s.qcQueue, reviewers...)
}

func qcActorOf(p auth.Principal) qc.Actor {
	return qc.Actor{TokenID: p.TokenID, Name: p.Name, Role: string(p.Role)}
}

func (s *Server) qcForms(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	fs, err := s.QC.Forms(r.Context())
	if fs == nil {
		fs = []qc.Form{}
	}
	return http.StatusOK, map[string]any{"forms": fs}, err
}

func (s *Server) qcCreateForm(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in struct {
		Name     string         `json:"name"`
		Criteria []qc.Criterion `json:"criteria"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	f, err := s.QC.CreateForm(r.Context(), qc.Form{Name: in.Name, Criteria: in.Criteria}, qcActorOf(p))
	return http.StatusCreated, f, err
}

func (s *Server) qcForm(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	f, err := s.QC.Form(r.Context(), id)
	return http.StatusOK, f, err
}

func (s *Server) qcCases(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	cs, err := s.QC.Cases(r.Context(), r.URL.Query().Get("status"))
	if cs == nil {
		cs = []qc.Case{}
	}
	return http.StatusOK, map[string]any{"cases": cs}, err
}

// callRefJSON names the call a complaint is about.
type callRefJSON struct {
	CallID        int64     `json:"call_id"`
	Ticket        string    `json:"ticket"`
	Caller        string    `json:"caller"`
	Operator      string    `json:"operator"`
	At            time.Time `json:"at"`
	WindowMinutes int       `json:"window_minutes"`
}

func (c callRefJSON) ref() qc.CallRef {
	return qc.CallRef{CallID: c.CallID, Ticket: c.Ticket, Caller: c.Caller, Operator: c.Operator, At: c.At,
		Window: time.Duration(c.WindowMinutes) * time.Minute}
}

func (s *Server) qcOpenCase(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in struct {
		callRefJSON
		Description string `json:"description"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	c, err := s.QC.OpenCase(r.Context(), in.Description, in.ref(), qcActorOf(p))
	return http.StatusCreated, c, err
}

func (s *Server) qcCase(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	c, err := s.QC.Case(r.Context(), id)
	return http.StatusOK, c, err
}

func (s *Server) qcLinkCase(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in callRefJSON
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if in.ref().Empty() {
		return 0, nil, apperr.Errorf(apperr.Invalid, "give call_id, ticket, or caller or operator with at")
	}
	c, err := s.QC.LinkCase(r.Context(), id, in.ref())
	return http.StatusOK, c, err
}

func (s *Server) qcCloseCase(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Resolution string `json:"resolution"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	c, err := s.QC.CloseCase(r.Context(), id, in.Resolution)
	return http.StatusOK, c, err
}

func (s *Server) qcReviews(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var callID int64
	if v := r.URL.Query().Get("call_id"); v != "" {
		r.SetPathValue("call_id", v)
		id, err := pathID(r, "call_id")
		if err != nil {
			return 0, nil, err
		}
		callID = id
	}
	rs, err := s.QC.Reviews(r.Context(), r.URL.Query().Get("operator"), callID)
	if rs == nil {
		rs = []qc.Review{}
	}
	return http.StatusOK, map[string]any{"reviews": rs}, err
}

func (s *Server) qcAddReview(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in struct {
		CallID  int64              `json:"call_id"`
		CaseID  *int64             `json:"case_id"`
		FormID  int64              `json:"form_id"`
		Scores  map[string]float64 `json:"scores"`
		Outcome string             `json:"outcome"`
		Notes   string             `json:"notes"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	rv, err := s.QC.AddReview(r.Context(), qc.Review{CallID: in.CallID, CaseID: in.CaseID, FormID: in.FormID,
		Scores: in.Scores, Outcome: in.Outcome, Notes: in.Notes}, qcActorOf(p))
	return http.StatusCreated, rv, err
}

func (s *Server) qcScore(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	q := r.URL.Query()
	from, err1 := time.Parse(time.RFC3339, q.Get("from"))
	to, err2 := time.Parse(time.RFC3339, q.Get("to"))
	if err1 != nil || err2 != nil || !to.After(from) {
		return 0, nil, apperr.Errorf(apperr.Invalid, "from and to: an RFC 3339 period, from before to")
	}
	sc, err := s.QC.OperatorScore(r.Context(), r.PathValue("login"), from, to)
	return http.StatusOK, sc, err
}

func (s *Server) qcQueue(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	week, err := qc.ParseWeek(r.URL.Query().Get("week"))
	if err != nil {
		return 0, nil, err
	}
	qs, err := s.QC.Queue(r.Context(), week)
	if qs == nil {
		qs = []qc.Queued{}
	}
	return http.StatusOK, map[string]any{"week": week.String(), "queue": qs}, err
}
