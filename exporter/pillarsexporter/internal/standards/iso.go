package standards

// iso27001 is ISO/IEC 27001:2022 Annex A's 93 controls by number and short name only: the
// standard's text is not ours to copy.
func iso27001() Framework {
	org := func(id, t string, checks ...string) Control { return ctl("5", id, t, checks...) }
	tech := func(id, t string, checks ...string) Control { return ctl("8", id, t, checks...) }
	var people, physical []Control
	for i, t := range []string{"Screening", "Terms and conditions of employment", "Information security awareness, education and training",
		"Disciplinary process", "Responsibilities after termination or change of employment", "Confidentiality or non-disclosure agreements",
		"Remote working", "Information security event reporting"} {
		people = append(people, ctl("6", "6."+itoa(i+1), t))
	}
	for i, t := range []string{"Physical security perimeters", "Physical entry", "Securing offices, rooms and facilities", "Physical security monitoring",
		"Protecting against physical and environmental threats", "Working in secure areas", "Clear desk and clear screen",
		"Equipment siting and protection", "Security of assets off-premises", "Storage media", "Supporting utilities", "Cabling security",
		"Equipment maintenance", "Secure disposal or re-use of equipment"} {
		physical = append(physical, ctl("7", "7."+itoa(i+1), t))
	}
	controls := []Control{
		org("5.1", "Policies for information security"), org("5.2", "Information security roles and responsibilities"),
		org("5.3", "Segregation of duties"), org("5.4", "Management responsibilities"), org("5.5", "Contact with authorities"),
		org("5.6", "Contact with special interest groups"), org("5.7", "Threat intelligence"),
		org("5.8", "Information security in project management"),
		org("5.9", "Inventory of information and other associated assets", CheckInventory),
		org("5.10", "Acceptable use of information and other associated assets"), org("5.11", "Return of assets"),
		org("5.12", "Classification of information"), org("5.13", "Labelling of information"), org("5.14", "Information transfer"),
		org("5.15", "Access control"), org("5.16", "Identity management"), org("5.17", "Authentication information"),
		org("5.18", "Access rights"), org("5.19", "Information security in supplier relationships"),
		org("5.20", "Addressing information security within supplier agreements"),
		org("5.21", "Managing information security in the ICT supply chain"),
		org("5.22", "Monitoring, review and change management of supplier services"),
		org("5.23", "Information security for use of cloud services"),
		{ID: "5.24", Title: "Information security incident management planning and preparation", Group: "5",
			NotMeasurable: "incident plans, roles and procedures are documents; the burn-rate alerting that runs is evidence for 5.25, not of the plan"},
		org("5.25", "Assessment and decision on information security events", CheckDetectionDelay),
		org("5.26", "Response to information security incidents", CheckRecoveryConfirmed),
		{ID: "5.27", Title: "Learning from information security incidents", Group: "5",
			NotMeasurable: "postmortem drafts are generated (5.28); learning from them is people's work that telemetry does not show"},
		org("5.28", "Collection of evidence", CheckIncidentEvidence),
		org("5.29", "Information security during disruption"),
		org("5.30", "ICT readiness for business continuity", CheckRedundancy, CheckErrorBudget),
		org("5.31", "Legal, statutory, regulatory and contractual requirements"), org("5.32", "Intellectual property rights"),
		org("5.33", "Protection of records"), org("5.34", "Privacy and protection of PII"),
		org("5.35", "Independent review of information security"),
		org("5.36", "Compliance with policies, rules and standards for information security"),
		org("5.37", "Documented operating procedures"),
	}
	controls = append(controls, people...)
	controls = append(controls, physical...)
	controls = append(controls,
		tech("8.1", "User endpoint devices"), tech("8.2", "Privileged access rights"), tech("8.3", "Information access restriction"),
		tech("8.4", "Access to source code"), tech("8.5", "Secure authentication"),
		tech("8.6", "Capacity management", CheckCapacityHeadroom),
		tech("8.7", "Protection against malware"), tech("8.8", "Management of technical vulnerabilities"),
		tech("8.9", "Configuration management", CheckChangeTraceability),
		tech("8.10", "Information deletion"), tech("8.11", "Data masking"), tech("8.12", "Data leakage prevention"),
		Control{ID: "8.13", Title: "Information backup", Group: "8", NotMeasurable: "backups and restore tests leave no trace in request telemetry"},
		tech("8.14", "Redundancy of information processing facilities", CheckRedundancy),
		tech("8.15", "Logging", CheckLogCoverage),
		tech("8.16", "Monitoring activities", CheckRuntimeMonitoring),
		tech("8.17", "Clock synchronization", CheckClockSkew),
		tech("8.18", "Use of privileged utility programs"), tech("8.19", "Installation of software on operational systems"),
		tech("8.20", "Networks security"), tech("8.21", "Security of network services"), tech("8.22", "Segregation of networks"),
		tech("8.23", "Web filtering"), tech("8.24", "Use of cryptography", CheckTLS), tech("8.25", "Secure development life cycle"),
		tech("8.26", "Application security requirements"), tech("8.27", "Secure system architecture and engineering principles"),
		tech("8.28", "Secure coding"), tech("8.29", "Security testing in development and acceptance"), tech("8.30", "Outsourced development"),
		tech("8.31", "Separation of development, test and production environments"),
		tech("8.32", "Change management", CheckChangeTraceability),
		tech("8.33", "Test information"), tech("8.34", "Protection of information systems during audit testing"),
	)
	return Framework{
		ID: ISO27001, Title: "ISO/IEC 27001:2022 Annex A", Source: "control numbers and short names only (the standard's text is paywalled and not reproduced)",
		Groups: []Group{
			{"5", "Organizational controls", "policies, roles, supplier and legal controls are organisational; telemetry does not show them"},
			{"6", "People controls", "controls on people (screening, training, agreements) are outside telemetry"},
			{"7", "Physical controls", "physical security is outside service telemetry"},
			{"8", "Technological controls", "endpoint, access, malware, vulnerability and development controls are not visible in service telemetry"},
		},
		Controls: controls,
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}
