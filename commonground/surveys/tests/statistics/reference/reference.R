# The reference values for test_reference.py, from R's survey package (Debian's r-cran-survey).
# Run from this folder: Rscript reference.R  (reads respondents.csv and margins.json, writes
# expected.json). R is not needed to run the tests: they read the committed expected.json.
#
# 1. Rake the design weights (stratified by district, unclustered) to the margins with
#    survey::rake(), converged to 1e-12 of the total weight.
# 2. With the raked weights as fixed weights of a plain svydesign(ids=~1, strata=~district)
#    (not the calibrated design: its SEs account for the calibration, ours do not, by choice),
#    svymean of each answer choice and of trust, overall and in domains (svyby), with the
#    logit interval of svyciprop for proportions and mean +/- z * SE for means.
suppressMessages({
  library(survey)
  library(jsonlite)
})
options(digits = 17)

d <- read.csv("respondents.csv", stringsAsFactors = FALSE, na.strings = "",
              colClasses = c(safe = "character"))
margins <- fromJSON("margins.json")
variables <- c("district", "age_band", "sex", "race", "tenure")

design <- svydesign(ids = ~1, strata = ~district, weights = ~design_weight, data = d)
population <- lapply(variables, function(v) {
  m <- margins[[v]]
  setNames(data.frame(names(m), as.numeric(unlist(m))), c(v, "Freq"))
})
raked <- rake(design, lapply(variables, function(v) as.formula(paste0("~", v))), population,
              control = list(maxit = 10000, epsilon = 1e-12, verbose = FALSE))
d$w <- as.numeric(weights(raked))

final <- svydesign(ids = ~1, strata = ~district, weights = ~w, data = d)
domains <- list(all = NULL, district = "district", sex = "sex", contact = "contact")

rows <- list()
add <- function(question, choice, dv, dval, est, se, lo, hi, n) {
  rows[[length(rows) + 1]] <<- list(question = question, choice = choice,
    domain_variable = dv, domain_value = dval, estimate = est, se = se,
    lower = lo, upper = hi, n = n)
}
for (dv in names(domains)) {
  values <- if (dv == "all") "all" else sort(unique(d[[dv]]))
  for (dval in values) {
    inside <- if (dv == "all") rep(TRUE, nrow(d)) else d[[dv]] == dval
    for (q in c("safe", "problem")) {
      answered <- inside & !is.na(d[[q]])
      sub <- subset(final, answered)
      for (choice in sort(unique(d[[q]][!is.na(d[[q]])]))) {
        sub <- update(sub, y = as.numeric(get(q) == choice))
        m <- svymean(~y, sub)
        ci <- svyciprop(~y, sub, method = "logit")
        add(q, choice, dv, dval, as.numeric(coef(m)), as.numeric(SE(m)),
            unname(attr(ci, "ci")[1]), unname(attr(ci, "ci")[2]), sum(answered))
      }
    }
    answered <- inside & !is.na(d$trust)
    m <- svymean(~trust, subset(final, answered))
    ci <- confint(m)
    add("trust", NA, dv, dval, as.numeric(coef(m)), as.numeric(SE(m)), ci[1], ci[2], sum(answered))
  }
}

write_json(list(
  survey_version = as.character(packageVersion("survey")),
  weights = d$w,
  estimates = rows
), "expected.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
