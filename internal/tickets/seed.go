package tickets

import (
	"context"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Seed is a starting catalogue: departments, categories and SLA policies.
type Seed struct {
	Departments []Department
	Categories  []Category
	Policies    []Policy
}

// SeedResult counts what LoadSeed added.
type SeedResult struct {
	Departments, Categories, Policies int
}

// LoadSeed adds what of s is missing from the catalogue and the SLA policies, and
// leaves everything that exists as it is, so loading it again changes nothing.
func LoadSeed(ctx context.Context, cat Catalog, sla SLAStore, s Seed, by Actor) (res SeedResult, err error) {
	defer apperr.Wrap(&err, "LoadSeed")
	for _, d := range s.Departments {
		if _, err := cat.Department(ctx, d.Code); apperr.Code(err) != apperr.NotFound {
			if err != nil {
				return res, err
			}
			continue
		}
		if _, _, err := cat.SaveDepartment(ctx, d, by); err != nil {
			return res, err
		}
		res.Departments++
	}
	for _, c := range s.Categories {
		if _, err := cat.Category(ctx, c.ServiceCode); apperr.Code(err) != apperr.NotFound {
			if err != nil {
				return res, err
			}
			continue
		}
		if _, _, err := cat.SaveCategory(ctx, c, by, "seed catalogue"); err != nil {
			return res, err
		}
		res.Categories++
	}
	for _, p := range s.Policies {
		code := p.ServiceCode
		current, err := sla.Policies(ctx, code, false)
		if err != nil {
			return res, err
		}
		exists := false
		for _, c := range current {
			exists = exists || c.Priority == p.Priority
		}
		if exists {
			continue
		}
		if _, err := sla.SetPolicy(ctx, p, by); err != nil {
			return res, err
		}
		res.Policies++
	}
	return res, nil
}

func scope(code, desc string) Attribute {
	return Attribute{Variable: true, Code: code, Datatype: "singlevaluelist", Required: true, Order: 1,
		Description: desc, Values: []AttributeValue{
			{Key: "flat", Name: "Одна квартира или дом"},
			{Key: "building", Name: "Весь подъезд или многоквартирный дом"},
			{Key: "street", Name: "Улица, квартал или микрорайон"},
		}}
}

func route(order int) Attribute {
	return Attribute{Variable: true, Code: "route", Datatype: "string", Required: true, Order: order,
		Description: "Номер маршрута автобуса", DatatypeDescription: "например, 10 или 21А"}
}

// CitySeed is a realistic catalogue for a city hotline such as Astana's 109: the
// utilities, city offices and police it passes tickets to, the requests citizens make
// most, and reaction and resolution times by priority.
func CitySeed() Seed {
	s := citySeed()
	for i := range s.Categories {
		s.Categories[i].Active = true
	}
	return s
}

func citySeed() Seed {
	h := time.Hour
	return Seed{
		Departments: []Department{
			{Code: "center-109", Name: "Центр iKomek 109: справочная служба", Kind: CityOffice, Active: true},
			{Code: "water", Name: "Водоканал: водоснабжение и водоотведение", Kind: Utility, Active: true},
			{Code: "heating", Name: "Тепловые сети: отопление и горячая вода", Kind: Utility, Active: true},
			{Code: "power", Name: "Электросети: электроснабжение", Kind: Utility, Active: true},
			{Code: "roads", Name: "Управление дорог и городской инфраструктуры", Kind: CityOffice, Active: true},
			{Code: "transport", Name: "Управление пассажирского транспорта", Kind: CityOffice, Active: true},
			{Code: "police", Name: "Департамент полиции: дорожная и административная полиция", Kind: Police, Active: true},
			{Code: "waste", Name: "Служба санитарной очистки и вывоза отходов", Kind: Utility, Active: true},
			{Code: "emergency", Name: "Служба по чрезвычайным ситуациям", Kind: CityOffice, Active: true},
			{Code: "lighting", Name: "Служба наружного освещения", Kind: Utility, Active: true},
			{Code: "housing", Name: "Управление жилищной инспекции", Kind: CityOffice, Active: true},
		},
		Categories: []Category{
			{ServiceCode: "water_outage", Name: "Нет холодной воды", Group: "water", DepartmentCode: "water",
				DefaultPriority: High, Keywords: []string{"вода", "водоснабжение", "отключение"},
				Description: "Холодная вода не поступает или идёт слабым напором.",
				Attributes:  []Attribute{scope("scope", "Сколько адресов без воды?")}},
			{ServiceCode: "water_leak", Name: "Порыв водопровода, утечка воды", Group: "water", DepartmentCode: "water",
				DefaultPriority: High, Keywords: []string{"порыв", "течь", "вода на дороге"}},
			{ServiceCode: "sewage_blockage", Name: "Засор канализации, излив стоков", Group: "water", DepartmentCode: "water",
				DefaultPriority: High, Keywords: []string{"канализация", "засор", "стоки"}},
			{ServiceCode: "open_manhole", Name: "Открытый или разрушенный люк", Group: "water", DepartmentCode: "water",
				DefaultPriority: Emergency, Keywords: []string{"люк", "колодец"},
				Notice: "Опасно: место будет ограждено в первую очередь."},
			{ServiceCode: "no_heating", Name: "Нет отопления", Group: "heating", DepartmentCode: "heating",
				DefaultPriority: High, Keywords: []string{"отопление", "холодно", "батареи"},
				Attributes: []Attribute{scope("scope", "Сколько адресов без отопления?"),
					{Variable: true, Code: "indoor_temperature", Datatype: "number", Order: 2,
						Description: "Температура в квартире, °C"}}},
			{ServiceCode: "hot_water_outage", Name: "Нет горячей воды", Group: "heating", DepartmentCode: "heating",
				DefaultPriority: Normal, Keywords: []string{"горячая вода", "ГВС"}},
			{ServiceCode: "heating_main_leak", Name: "Порыв теплотрассы, пар из-под земли", Group: "heating",
				DepartmentCode: "heating", DefaultPriority: Emergency, Keywords: []string{"теплотрасса", "пар", "кипяток"}},
			{ServiceCode: "power_outage", Name: "Отключение электроэнергии", Group: "electricity", DepartmentCode: "power",
				DefaultPriority: High, Keywords: []string{"свет", "электричество", "отключение"},
				Attributes: []Attribute{scope("scope", "Сколько адресов без света?")}},
			{ServiceCode: "fallen_wire", Name: "Оборванный провод, искрит опора", Group: "electricity", DepartmentCode: "power",
				DefaultPriority: Emergency, Keywords: []string{"провод", "опора", "искрит"},
				Notice: "Не подходите к проводу ближе 8 метров."},
			{ServiceCode: "pothole", Name: "Яма, разрушение дорожного покрытия", Group: "roads", DepartmentCode: "roads",
				DefaultPriority: Normal, Keywords: []string{"яма", "выбоина", "асфальт"},
				Attributes: []Attribute{{Variable: true, Code: "size", Datatype: "singlevaluelist", Order: 1,
					Description: "Размер ямы", Values: []AttributeValue{
						{Key: "small", Name: "Меньше колеса"}, {Key: "medium", Name: "С колесо"},
						{Key: "large", Name: "Больше колеса, опасна"}}}}},
			{ServiceCode: "snow_ice", Name: "Неубранный снег, гололёд", Group: "roads", DepartmentCode: "roads",
				DefaultPriority: Normal, Keywords: []string{"снег", "гололёд", "уборка"}},
			{ServiceCode: "traffic_light", Name: "Неисправный светофор", Group: "roads", DepartmentCode: "roads",
				DefaultPriority: High, Keywords: []string{"светофор"}},
			{ServiceCode: "bus_conductor", Name: "Жалоба на кондуктора или водителя автобуса", Group: "transport",
				DepartmentCode: "transport", DefaultPriority: Normal, Keywords: []string{"кондуктор", "водитель", "грубость"},
				Attributes: []Attribute{route(1),
					{Variable: true, Code: "bus_number", Datatype: "string", Order: 2, Description: "Госномер или бортовой номер автобуса"},
					{Variable: true, Code: "incident_time", Datatype: "datetime", Order: 3, Description: "Когда это было"}}},
			{ServiceCode: "bus_schedule", Name: "Автобус не ходит по расписанию", Group: "transport",
				DepartmentCode: "transport", DefaultPriority: Normal, Keywords: []string{"автобус", "интервал", "расписание"},
				Attributes: []Attribute{route(1)}},
			{ServiceCode: "bus_stop", Name: "Повреждённая или неубранная остановка", Group: "transport",
				DepartmentCode: "transport", DefaultPriority: Low, Keywords: []string{"остановка", "павильон"}},
			{ServiceCode: "illegal_parking", Name: "Парковка в неположенном месте", Group: "parking", DepartmentCode: "police",
				DefaultPriority: Normal, Keywords: []string{"парковка", "тротуар", "газон"},
				Attributes: []Attribute{
					{Variable: true, Code: "plate", Datatype: "string", Required: true, Order: 1, Description: "Госномер автомобиля"},
					{Variable: true, Code: "place", Datatype: "singlevaluelist", Order: 2, Description: "Где стоит", Values: []AttributeValue{
						{Key: "sidewalk", Name: "На тротуаре"}, {Key: "lawn", Name: "На газоне"},
						{Key: "disabled", Name: "На месте для людей с инвалидностью"},
						{Key: "crossing", Name: "На пешеходном переходе"}, {Key: "bus_stop", Name: "На остановке"}}}}},
			{ServiceCode: "abandoned_car", Name: "Брошенный автомобиль", Group: "parking", DepartmentCode: "police",
				DefaultPriority: Low, Keywords: []string{"брошенный", "автомобиль"}},
			{ServiceCode: "waste_not_collected", Name: "Не вывезен мусор", Group: "waste", DepartmentCode: "waste",
				DefaultPriority: Normal, Keywords: []string{"мусор", "контейнер", "вывоз"}},
			{ServiceCode: "illegal_dump", Name: "Стихийная свалка", Group: "waste", DepartmentCode: "waste",
				DefaultPriority: Low, Keywords: []string{"свалка", "строительный мусор"}},
			{ServiceCode: "flooding_private_house", Name: "Подтопление частного дома", Group: "flooding",
				DepartmentCode: "emergency", DefaultPriority: Emergency, Keywords: []string{"подтопление", "паводок", "талые воды"},
				Notice: "Бригада с мотопомпой выезжает по очереди срочности.",
				Attributes: []Attribute{{Variable: true, Code: "water_level", Datatype: "singlevaluelist", Required: true,
					Order: 1, Description: "Куда дошла вода", Values: []AttributeValue{
						{Key: "yard", Name: "Двор"}, {Key: "basement", Name: "Подвал"}, {Key: "house", Name: "Жилые комнаты"}}}}},
			{ServiceCode: "flooding_street", Name: "Подтопление улицы или двора", Group: "flooding",
				DepartmentCode: "emergency", DefaultPriority: High, Keywords: []string{"лужа", "талые воды", "ливнёвка"}},
			{ServiceCode: "street_lighting", Name: "Не горит уличное освещение", Group: "lighting", DepartmentCode: "lighting",
				DefaultPriority: Normal, Keywords: []string{"фонарь", "освещение", "темно"}},
			{ServiceCode: "elevator", Name: "Не работает лифт", Group: "housing", DepartmentCode: "housing",
				DefaultPriority: High, Keywords: []string{"лифт"}},
			{ServiceCode: "info_request", Name: "Справка: маршруты, адреса ЦОН, мероприятия", Group: "information",
				DepartmentCode: "center-109", DefaultPriority: Low, OnTheSpot: true,
				Keywords:    []string{"справка", "маршрут", "ЦОН", "адрес"},
				Description: "Вопросы, на которые оператор отвечает сразу."},
		},
		Policies: []Policy{
			{Priority: Low, RespondWithin: 48 * h, ResolveWithin: 240 * h},
			{Priority: Normal, RespondWithin: 24 * h, ResolveWithin: 72 * h},
			{Priority: High, RespondWithin: 2 * h, ResolveWithin: 24 * h},
			{Priority: Emergency, RespondWithin: 30 * time.Minute, ResolveWithin: 6 * h},
			{ServiceCode: "pothole", Priority: Normal, RespondWithin: 24 * h, ResolveWithin: 240 * h},
			{ServiceCode: "illegal_parking", Priority: Normal, RespondWithin: time.Hour, ResolveWithin: 4 * h},
			{ServiceCode: "no_heating", Priority: High, RespondWithin: time.Hour, ResolveWithin: 12 * h},
			{ServiceCode: "water_leak", Priority: High, RespondWithin: time.Hour, ResolveWithin: 24 * h},
			{ServiceCode: "flooding_private_house", Priority: Emergency, RespondWithin: 15 * time.Minute, ResolveWithin: 4 * h},
			{ServiceCode: "waste_not_collected", Priority: Normal, RespondWithin: 4 * h, ResolveWithin: 24 * h},
		},
	}
}
