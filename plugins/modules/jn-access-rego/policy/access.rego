# jn-access in Rego: who is connected how, through which steps, within which limits (Jining, 2021).
#
# The same rules as plugins/modules/jn-access (Rust) and the same bundle parameters
# (policies/jining/bundle.toml): every threshold and limit is read from input.params, none is
# written here. Capacity thresholds apply to existing + requested capacity (增容).
# Input and output: plugins/README.md, "Rego modules".
package powerdesk.jn_access

# The rule table (describe()), in the order decisions cite the rules; `{name}` in a text is the
# bundle's value of that parameter (evaluate --explain).
rules := [
	{"id": "JN-LV-160", "text": "居民和小微企业低压接入容量提升至{lv_max_kw}千瓦，不分城市、农村；增容按总容量"},
	{"id": "JN-10KV-STEPS", "text": "全面取消10千伏普通客户（不含重要电力用户）设计审查和中间检查环节，不论容量"},
	{"id": "JN-10KV-TIME", "text": "{hv_ordinary_time_max_kva}千伏安及以下10千伏普通客户：答复供电方案{hv_ordinary_reply_plan_wd}个工作日，验收送电{hv_ordinary_energize_wd}个工作日，电网环节合计不超过{hv_ordinary_total_wd}个工作日；以上按标准时限"},
	{"id": "JN-LV-TIME", "text": "低压居民和小微企业：具备直接装表条件当日申请当日接电；仅需简单架设表前线当日申请次日接电；全流程一般不超过{lv_total_wd}个工作日"},
	{"id": "JN-ONE-VISIT", "text": "具备直接装表条件的低压居民和小微企业：一次上门办结"},
	{"id": "JN-GRID-PROJECT", "text": "配套电网工程：接到需求开工、早于需求竣工；小微企业勘察、设计、施工一体，简单表前线勘察当日完成"},
	{"id": "JN-FILING", "text": "低压（直接装表除外）和10千伏专变企业外线工程全部实行承诺备案制"},
]

# The parameters the rules read (describe(); `policy check` checks bundle.toml against them):
# kind is the SDK's ParamInfo constructor (days: a whole number of working days, 0-365).
parameters := [
	{"name": "lv_classes", "kind": "classes", "doc": "customer classes with the low-voltage promise"},
	{"name": "lv_max_kw", "kind": "number", "min": 1, "max": 10000, "doc": "low-voltage threshold, kW (existing + requested)"},
	{"name": "power_factor", "kind": "number", "min": 0.5, "max": 1, "doc": "kVA = kW / power_factor"},
	{"name": "hv_ordinary_voltages", "kind": "voltages", "doc": "voltages whose ordinary (not important) customers run the two-step process"},
	{"name": "lv_overflow_voltage", "kind": "high_voltage", "doc": "where a low-voltage request above the threshold is connected"},
	{"name": "lv_total_wd", "kind": "days"},
	{"name": "lv_direct_meter_energize_wd", "kind": "days"},
	{"name": "lv_simple_line_wd", "kind": "days"},
	{"name": "lv_general_energize_wd", "kind": "days"},
	{"name": "grid_project_one_stop_classes", "kind": "classes"},
	{"name": "grid_project_simple_line_wd", "kind": "days"},
	{"name": "hv_ordinary_time_max_kva", "kind": "number", "min": 1, "max": 1000000, "doc": "kVA up to which the two steps run on their own limits"},
	{"name": "hv_ordinary_reply_plan_wd", "kind": "days"},
	{"name": "hv_ordinary_energize_wd", "kind": "days"},
	{"name": "hv_ordinary_total_wd", "kind": "days"},
	{"name": "std_reply_plan_wd", "kind": "days"},
	{"name": "std_reply_plan_dual_wd", "kind": "days"},
	{"name": "std_design_review_wd", "kind": "days"},
	{"name": "std_mid_inspection_wd", "kind": "days"},
	{"name": "std_completion_inspection_wd", "kind": "days"},
	{"name": "std_energize_wd", "kind": "days"},
	{"name": "filing_lv_classes", "kind": "classes"},
	{"name": "filing_hv_classes", "kind": "classes"},
	{"name": "filing_hv_voltages", "kind": "voltages"},
]

# The parts of a decision this module decides; it reads none of an earlier module's.
decides := ["access", "steps", "grid_total"]

reads := []

p := input.params

req := input.application.request

class := input.application.customer.class

low_voltages := {"220V", "380V"}

low if req.voltage in low_voltages

# --- Capacity: existing + requested (增容), in the request's unit. ---

total_kw := req.capacity_kw + object.get(req, "existing_capacity_kw", 0) if {
	not kw_increase_in_kva
}

kw_increase_in_kva if {
	not req.existing_capacity_kw
	req.existing_capacity_kva
}

kva_increase_in_kw if {
	not req.existing_capacity_kva
	req.existing_capacity_kw
}

# A request in kW is sized in kVA by the power factor.
total_kva := total_kw / p.power_factor if {
	not req.capacity_kva
	req.capacity_kw
} else := req.capacity_kva + object.get(req, "existing_capacity_kva", 0) if {
	not kva_increase_in_kw
}

# --- Refusals (the Rust SDK's messages). ---

# Sized in kW: every low-voltage request, and a high-voltage one given in kW only.
kw_sized if low

kw_sized if {
	not req.capacity_kva
	req.capacity_kw
}

unsupported := sprintf("a %s request needs capacity_kw", [req.voltage]) if {
	low
	not req.capacity_kw
} else := "a capacity increase requested in kW needs existing_capacity_kw, not existing_capacity_kva" if {
	kw_sized
	kw_increase_in_kva
} else := "the request gives neither capacity_kw nor capacity_kva" if {
	not low
	not req.capacity_kw
	not req.capacity_kva
} else := "a capacity increase requested in kVA needs existing_capacity_kva, not existing_capacity_kw" if {
	not low
	req.capacity_kva
	kva_increase_in_kw
}

bad_parameter := sprintf("lv_overflow_voltage: %s is not a high voltage", [p.lv_overflow_voltage]) if {
	p.lv_overflow_voltage in low_voltages
} else := "power_factor: must be a positive number" if {
	not p.power_factor > 0
} else := "lv_max_kw: must be a positive number" if {
	not p.lv_max_kw > 0
}

# --- Access class and voltage. ---

lv_connected if {
	low
	total_kw <= p.lv_max_kw
}

voltage := req.voltage if {
	not low
} else := req.voltage if {
	lv_connected
} else := p.lv_overflow_voltage

kva := total_kw / p.power_factor if {
	low
} else := total_kva

access_class := "low_voltage" if {
	lv_connected
} else := "hv_ordinary" if {
	voltage in p.hv_ordinary_voltages
	not req.important
} else := "hv_standard"

policy_class if class in p.lv_classes

# --- Steps and limits, by access class. ---

# Low voltage, residents and small/micro (JN-LV-160, JN-LV-TIME).
lv_policy if {
	access_class == "low_voltage"
	policy_class
}

one_stop if class in p.grid_project_one_stop_classes

simple_line_wd := p.grid_project_simple_line_wd if {
	one_stop
} else := p.lv_simple_line_wd

steps := [{"id": "energize", "limit_working_days": p.lv_direct_meter_energize_wd, "from": "accepted"}] if {
	lv_policy
	req.direct_meter
} else := [
	{"id": "line_built", "limit_working_days": simple_line_wd, "from": "accepted"},
	{"id": "energize", "limit_working_days": p.lv_simple_line_wd, "from": "accepted"},
] if {
	lv_policy
	req.simple_line
} else := [{"id": "energize", "limit_working_days": p.lv_total_wd, "from": "accepted"}] if {
	lv_policy
} else := [{"id": "energize", "limit_working_days": p.lv_general_energize_wd, "from": "accepted"}] if {
	# Low voltage outside the policy classes: the general limit, no total.
	access_class == "low_voltage"
} else := [
	{"id": "reply_plan", "limit_working_days": p.hv_ordinary_reply_plan_wd, "from": "accepted"},
	{"id": "energize", "limit_working_days": p.hv_ordinary_energize_wd, "from": "completion_reported"},
] if {
	hv_fast
} else := [
	# 验收送电 merges the completion inspection and the energizing: their two limits together.
	{"id": "reply_plan", "limit_working_days": std_reply_plan_wd, "from": "accepted"},
	{
		"id": "energize",
		"limit_working_days": p.std_completion_inspection_wd + p.std_energize_wd,
		"from": "completion_reported",
	},
] if {
	access_class == "hv_ordinary"
} else := [
	{"id": "reply_plan", "limit_working_days": std_reply_plan_wd, "from": "accepted"},
	{"id": "design_review", "limit_working_days": p.std_design_review_wd, "from": "design_submitted"},
	{"id": "mid_inspection", "limit_working_days": p.std_mid_inspection_wd, "from": "mid_inspection_requested"},
	{"id": "completion_inspection", "limit_working_days": p.std_completion_inspection_wd, "from": "completion_reported"},
	{"id": "energize", "limit_working_days": p.std_energize_wd, "from": "completion_inspected"},
]

# 10 kV ordinary up to hv_ordinary_time_max_kva: the fast limits and a grid total (JN-10KV-TIME).
hv_fast if {
	access_class == "hv_ordinary"
	kva <= p.hv_ordinary_time_max_kva
}

std_reply_plan_wd := p.std_reply_plan_dual_wd if {
	req.dual_supply
} else := p.std_reply_plan_wd

grid_total := p.lv_total_wd if {
	lv_policy
} else := p.hv_ordinary_total_wd if {
	hv_fast
} else := null

# --- Rules cited. ---

cited contains "JN-LV-160" if lv_policy

cited contains "JN-LV-TIME" if lv_policy

cited contains "JN-ONE-VISIT" if {
	lv_policy
	req.direct_meter
}

cited contains "JN-GRID-PROJECT" if {
	lv_policy
	not req.direct_meter
	req.simple_line
	one_stop
}

# Supporting grid works contracted to the customer's need date.
cited contains "JN-GRID-PROJECT" if req.grid_project_need_date

cited contains "JN-10KV-STEPS" if access_class == "hv_ordinary"

cited contains "JN-10KV-TIME" if hv_fast

# Commitment filing for the external line: a low-voltage direct meter has none.
cited contains "JN-FILING" if {
	access_class == "low_voltage"
	not req.direct_meter
	class in p.filing_lv_classes
}

cited contains "JN-FILING" if {
	access_class != "low_voltage"
	class in p.filing_hv_classes
	voltage in p.filing_hv_voltages
}

decision := {"unsupported": unsupported} if {
	unsupported
} else := {"bad_parameter": bad_parameter} if {
	bad_parameter
} else := {
	"access": {"class": access_class, "voltage": voltage},
	"steps": steps,
	"grid_total_limit_working_days": grid_total,
	"rules": cited,
}
