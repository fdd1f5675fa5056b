package bulk

// MaxFanIn lets the tests make more runs than one merge takes.
const MaxFanIn = maxFanIn
