package httpapi

import (
	"net/http"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/tickets"
)

func (s *Server) catalogRoutes() {
	if s.Catalog == nil {
		return
	}
	s.api("GET /api/v1/departments", s.listDepartments, auth.Operator, auth.Supervisor, auth.QC)
	s.api("POST /api/v1/departments", s.saveDepartment, auth.Admin)
	s.api("PUT /api/v1/departments/{code}", s.saveDepartment, auth.Admin)
	s.api("GET /api/v1/categories", s.listCategories, auth.Operator, auth.Supervisor, auth.QC, auth.Department)
	s.api("POST /api/v1/categories", s.saveCategory, auth.Admin)
	s.api("PUT /api/v1/categories/{code}", s.saveCategory, auth.Admin)
	s.api("GET /api/v1/categories/{code}/routing", s.categoryRouting, auth.Supervisor)
	if s.SLA != nil {
		s.api("GET /api/v1/sla-policies", s.listPolicies, auth.Operator, auth.Supervisor, auth.QC)
		s.api("POST /api/v1/sla-policies", s.setPolicy, auth.Admin)
	}
}

// DepartmentJSON is a department as the API shows it. The webhook secret appears
// only to the administrator who sets it.
type DepartmentJSON struct {
	Code          string       `json:"code"`
	Name          string       `json:"name"`
	Kind          tickets.Kind `json:"kind"`
	WebhookURL    string       `json:"webhook_url,omitempty"`
	WebhookSecret string       `json:"webhook_secret,omitempty"`
	Active        bool         `json:"active"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

func departmentJSON(d tickets.Department) DepartmentJSON {
	return DepartmentJSON{Code: d.Code, Name: d.Name, Kind: d.Kind, WebhookURL: d.WebhookURL, Active: d.Active,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	ds, err := s.Catalog.Departments(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := make([]DepartmentJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, departmentJSON(d))
	}
	return http.StatusOK, out, nil
}

func (s *Server) saveDepartment(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in struct {
		Code          string `json:"code"`
		Name          string `json:"name"`
		Kind          string `json:"kind"`
		WebhookURL    string `json:"webhook_url"`
		WebhookSecret string `json:"webhook_secret"`
		Active        *bool  `json:"active"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if code := r.PathValue("code"); code != "" {
		if in.Code != "" && in.Code != code {
			return 0, nil, apperr.Errorf(apperr.Invalid, "the body's code %q is not the path's %q", in.Code, code)
		}
		in.Code = code
	}
	d := tickets.Department{Code: in.Code, Name: in.Name, Kind: tickets.Kind(in.Kind), WebhookURL: in.WebhookURL,
		WebhookSecret: in.WebhookSecret, Active: in.Active == nil || *in.Active}
	saved, created, err := s.Catalog.SaveDepartment(r.Context(), d, actorOf(p))
	if err != nil {
		return 0, nil, err
	}
	out := departmentJSON(saved)
	out.WebhookSecret = saved.WebhookSecret
	if created {
		return http.StatusCreated, out, nil
	}
	return http.StatusOK, out, nil
}

// CategoryJSON is a category as the API shows it.
type CategoryJSON struct {
	ServiceCode     string              `json:"service_code"`
	Name            string              `json:"name"`
	Description     string              `json:"description,omitempty"`
	Group           string              `json:"group,omitempty"`
	Keywords        []string            `json:"keywords,omitempty"`
	Department      string              `json:"department"`
	DefaultPriority string              `json:"default_priority"`
	Type            string              `json:"type,omitempty"`
	OnTheSpot       bool                `json:"on_the_spot,omitempty"`
	Notice          string              `json:"notice,omitempty"`
	Attributes      []tickets.Attribute `json:"attributes,omitempty"`
	Active          *bool               `json:"active,omitempty"`
	CreatedAt       *time.Time          `json:"created_at,omitempty"`
	UpdatedAt       *time.Time          `json:"updated_at,omitempty"`
	// Reason explains a change of department; it is recorded with the change.
	Reason string `json:"reason,omitempty"`
}

func categoryJSON(c tickets.Category) CategoryJSON {
	active := c.Active
	return CategoryJSON{ServiceCode: c.ServiceCode, Name: c.Name, Description: c.Description, Group: c.Group,
		Keywords: c.Keywords, Department: c.DepartmentCode, DefaultPriority: string(c.DefaultPriority),
		Type: string(c.Type), OnTheSpot: c.OnTheSpot, Notice: c.Notice, Attributes: c.Attributes, Active: &active,
		CreatedAt: &c.CreatedAt, UpdatedAt: &c.UpdatedAt}
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	cs, err := s.Catalog.Categories(r.Context(), r.URL.Query().Get("all") == "true")
	if err != nil {
		return 0, nil, err
	}
	out := make([]CategoryJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, categoryJSON(c))
	}
	return http.StatusOK, out, nil
}

func (s *Server) saveCategory(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in CategoryJSON
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if code := r.PathValue("code"); code != "" {
		if in.ServiceCode != "" && in.ServiceCode != code {
			return 0, nil, apperr.Errorf(apperr.Invalid, "the body's service_code %q is not the path's %q", in.ServiceCode, code)
		}
		in.ServiceCode = code
	}
	c := tickets.Category{ServiceCode: in.ServiceCode, Name: in.Name, Description: in.Description, Group: in.Group,
		Keywords: in.Keywords, DepartmentCode: in.Department, DefaultPriority: tickets.Priority(in.DefaultPriority),
		Type: tickets.ServiceType(in.Type), OnTheSpot: in.OnTheSpot, Notice: in.Notice, Attributes: in.Attributes,
		Active: in.Active == nil || *in.Active}
	saved, created, err := s.Catalog.SaveCategory(r.Context(), c, actorOf(p), in.Reason)
	if err != nil {
		return 0, nil, err
	}
	if created {
		return http.StatusCreated, categoryJSON(saved), nil
	}
	return http.StatusOK, categoryJSON(saved), nil
}

func (s *Server) categoryRouting(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	rs, err := s.Catalog.Routing(r.Context(), r.PathValue("code"))
	if err != nil {
		return 0, nil, err
	}
	type changeJSON struct {
		From   string    `json:"from,omitempty"`
		To     string    `json:"to"`
		At     time.Time `json:"at"`
		Actor  ActorJSON `json:"actor"`
		Reason string    `json:"reason,omitempty"`
	}
	out := make([]changeJSON, 0, len(rs))
	for _, c := range rs {
		out = append(out, changeJSON{From: c.FromDepartment, To: c.ToDepartment, At: c.At, Reason: c.Reason,
			Actor: ActorJSON{Role: c.Actor.Role, Name: c.Actor.Name, Subject: c.Actor.Subject}})
	}
	return http.StatusOK, out, nil
}

// PolicyJSON is an SLA policy version; durations are Go durations ("2h", "90m").
type PolicyJSON struct {
	ID            int64      `json:"id,omitempty"`
	ServiceCode   string     `json:"service_code,omitempty"`
	Priority      string     `json:"priority"`
	Version       int        `json:"version,omitempty"`
	RespondWithin string     `json:"respond_within"`
	ResolveWithin string     `json:"resolve_within"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	CreatedBy     string     `json:"created_by,omitempty"`
	SupersededAt  *time.Time `json:"superseded_at,omitempty"`
}

func policyJSON(p tickets.Policy) PolicyJSON {
	return PolicyJSON{ID: p.ID, ServiceCode: p.ServiceCode, Priority: string(p.Priority), Version: p.Version,
		RespondWithin: p.RespondWithin.String(), ResolveWithin: p.ResolveWithin.String(), CreatedAt: &p.CreatedAt,
		CreatedBy: p.CreatedBy, SupersededAt: p.SupersededAt}
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	q := r.URL.Query()
	code := "*"
	if q.Has("service_code") {
		code = q.Get("service_code")
	}
	ps, err := s.SLA.Policies(r.Context(), code, q.Get("history") == "true")
	if err != nil {
		return 0, nil, err
	}
	out := make([]PolicyJSON, 0, len(ps))
	for _, x := range ps {
		out = append(out, policyJSON(x))
	}
	return http.StatusOK, out, nil
}

func (s *Server) setPolicy(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in PolicyJSON
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	respond, err1 := time.ParseDuration(in.RespondWithin)
	resolve, err2 := time.ParseDuration(in.ResolveWithin)
	if err1 != nil || err2 != nil {
		return 0, nil, apperr.Errorf(apperr.Invalid, "respond_within and resolve_within are durations such as 30m or 72h")
	}
	saved, err := s.SLA.SetPolicy(r.Context(), tickets.Policy{ServiceCode: in.ServiceCode,
		Priority: tickets.Priority(in.Priority), RespondWithin: respond, ResolveWithin: resolve}, actorOf(p))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, policyJSON(saved), nil
}
