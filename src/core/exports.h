/*
 * exports.h -- the column layouts of registries' public CSV exports
 * (docs/IMPORT.md), and the mapping of one record to a row the importer
 * applies (service/origin.h). A file's layout is told by its header row.
 * Pure: no I/O.
 */
#ifndef L6_EXPORTS_H
#define L6_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../limits.h"

typedef enum {
  EXPORT__NONE = 0,
  EXPORT_VERRA_TRANSACTIONS, /* Verra VCU blocks: issued ones and retired/cancelled ones */
  EXPORT_GS_ISSUANCES,       /* Gold Standard issuance batches */
  EXPORT_GS_RETIREMENTS,     /* Gold Standard retired ranges of issued batches */
  EXPORT_ACR_PROJECTS,       /* American Carbon Registry: project list */
  EXPORT_ACR_ISSUANCES,      /* ACR issuances: totals per project and vintage, no serials */
  EXPORT_ACR_RETIREMENTS,    /* ACR retired blocks, with serials */
  EXPORT_ACR_CANCELLATIONS,  /* ACR cancelled blocks, with serials */
  EXPORT_CAR_PROJECTS,       /* Climate Action Reserve: project list */
  EXPORT_CAR_ISSUANCES,
  EXPORT_CAR_RETIREMENTS,
  EXPORT_CAR_CANCELLATIONS,
  EXPORT_ART_PROJECTS,       /* ART TREES: jurisdictional programmes */
  EXPORT_ART_ISSUANCES,
  EXPORT_ART_RETIREMENTS,
  EXPORT_ART_CANCELLATIONS,
  EXPORT_ISO_PROJECTS,       /* Isometric: project list */
  EXPORT_ISO_ISSUANCES,      /* Isometric issuances: sizes in credits and kg, no serials, no vintage */
  EXPORT_ISO_ISSUANCES_SEQ,  /* the same with the sequestration date (its year: the vintage) */
  EXPORT_ISO_RETIREMENTS,    /* Isometric retirements: sizes, no serials */
  EXPORT_CDC_PROJECTS,       /* Cercarbono (EcoRegistry): project list */
  EXPORT_CDC_ISSUANCES,      /* Cercarbono issuances: a serial prefix without a range, a vintage year */
  EXPORT_CDC_RETIREMENTS,    /* Cercarbono retirements: the prefix, the vintage and from/to numbers */
  EXPORT_VERRA_PROJECTS,     /* Verra's project list: status, registration date, crediting period */
  EXPORT_GS_PROJECTS,        /* Gold Standard's project list: status */
  EXPORT__COUNT
} export_layout;

/* Certifications of Verra's Additional Certifications beyond CCB and CCP,
 * each a batch label (docs/IMPORT.md "Certifications and SDG labels"). */
enum {
  EXPORT_CERT_REMOVAL = 0,   /* "Carbon Dioxide Removals" -> removal */
  EXPORT_CERT_SOCIALCARBON,  /* "Social Carbon" -> socialcarbon */
  EXPORT_CERT_A6_OIMP,       /* "Article 6 Authorized - Intl mitigation purposes" -> article6-oimp */
  EXPORT_CERT_A6_NDC,        /* "Article 6 Authorized - NDC Use" -> article6-ndc */
  EXPORT_CERT_A6_OTHER,      /* "Article 6 Authorized - Other purposes" -> article6-other */
  EXPORT_CERT_CORSIA_PILOT,  /* "CORSIA - Pilot Phase, 2021-2023 Eligible" -> corsia-pilot */
  EXPORT_CERT_CORSIA_FIRST,  /* "CORSIA - First Phase, 2024-2026 Scope" -> corsia-first */
  EXPORT_CERTS
};
/* The batch label of certification k (EXPORT_CERT_...). */
const char *export_cert_label(int k);

/* What the export says of a range of units. */
/* What the export says of a range of units: still active at the origin
 * (Verra's unretired blocks), issued (an issuance record, which says
 * nothing of what became of the units since: Gold Standard's issuances
 * export), retired or cancelled. */
/* EXPORT_TOTAL: an issuance record without serials (ACR, CAR, ART TREES
 * issuances exports): units issued for a project and vintage, part of them
 * to the buffer pool, whose serials only the retirements and cancellations
 * exports place. EXPORT_PROJECT: a row of a project list, no units. */
/* EXPORT_RETIRED_TOTAL: a retirement of units whose serials the export
 * does not give (Isometric): counted for its project and vintage, never
 * given serials. */
typedef enum {
  EXPORT_ACTIVE = 1, EXPORT_ISSUED, EXPORT_RETIRED, EXPORT_CANCELLED, EXPORT_TOTAL, EXPORT_PROJECT, EXPORT_RETIRED_TOTAL
} export_status;

/* One record of an export, normalised. Empty strings where the export
 * leaves a field empty. */
typedef struct {
  export_status status;
  char project_ref[L6_CODE_MAX + 1];     /* the origin's project id ("1340") */
  char project_name[L6_NAME_MAX + 1];
  char country[L6_NAME_MAX + 1];         /* as the export names it ("Viet Nam") */
  char sector[L6_NAME_MAX + 1];          /* the project type */
  char methodology[L6_NAME_MAX + 1];
  char vintage_start[11], vintage_end[11]; /* the vintage period, YYYY-MM-DD */
  int64_t quantity;                      /* units of the range */
  int64_t vintage_total;                 /* units the origin issued for the project and period; 0 when not given */
  char serial[L6_ORIGIN_SERIAL_MAX + 1]; /* as the origin writes it */
  char issued_on[11];                    /* YYYY-MM-DD */
  char retired_on[11];                   /* YYYY-MM-DD, "" when active */
  char beneficiary[L6_NAME_MAX + 1];     /* "" when the export states none */
  bool beneficiary_unstated;
  char purpose[L6_NAME_MAX + 1];
  char details[L6_TEXT_MAX + 1];         /* cut at a character boundary when longer */
  bool needs_issuance;                   /* the range must lie in a block already issued (a retirements export) */
  int64_t buffer;                        /* EXPORT_TOTAL: of quantity, the units issued to the buffer pool (0 when none) */
  bool ccp;                              /* the export says "CCP Approved: Yes" (label ccp) */
  bool arb;                              /* the export says "ARB Eligible: Yes" (label arb) */
  bool ccb;                              /* Verra's Additional Certifications name a CCB one (label ccb) */
  char ccb_text[64];                     /* as the export writes it ("CCB-Biodiversity Gold") */
  uint32_t sdgs;                         /* bit g: Verra's Sustainable Development Goals name goal g (label sdg-g) */
  uint32_t certs;                        /* bit k: Verra's Additional Certifications name certification k
                                            (export_cert_label(k): removal, article6-oimp, corsia-pilot, ...) */
  char cert_text[EXPORT_CERTS][64];      /* each one as the export writes it */
  /* Cercarbono: an issuance's vintage_of_credits, the origin's period for
   * a serial prefix and vintage year (period_start/end), kept for the
   * retirements, which give the prefix and year only (period_lookup: the
   * importer replaces the row's calendar-year period by the part of the
   * recorded period in that year). */
  char period_prefix[L6_ORIGIN_SERIAL_MAX + 1];
  int period_year;
  char period_start[11], period_end[11];
  bool period_lookup;
  bool labels_given;                     /* the layout reads the columns labels come from: the batch's imported
                                            labels are brought to what the row says (mirror mode) */
  bool in_kg;                            /* the export counts in kg (Isometric): kg and buffer_kg are exact, quantity
                                            and buffer their whole tonnes rounded down */
  int64_t kg, buffer_kg;
  /* A project list's facts (Verra, Gold Standard); "" when not given. */
  char origin_status[L6_NAME_MAX + 1];   /* as the origin words it ("Under validation") */
  char registered[11];                   /* YYYY-MM-DD */
  char crediting_start[11], crediting_end[11];
} export_row;

/* Column positions of a layout in one file. */
/* Column roles a layout may read (src/core/exports.c's C__COUNT fits). */
#define EXPORT_MAX_ROLES 48

typedef struct {
  export_layout layout;
  int col[EXPORT_MAX_ROLES];             /* index of each column the layout reads; -1 when absent */
  size_t nfields;                        /* fields in the header row */
} export_map;

/* The layout's name ("verra transactions"), and the source it belongs to
 * ("verra", "gold-standard"). */
const char *export_layout_name(export_layout l);
const char *export_layout_source(export_layout l);

/* The order files of a layout are read in: 0 project lists, 1 issued
 * units, 2 ranges of units issued by an earlier file (Gold Standard's
 * retirements export). */
int export_layout_rank(export_layout l);

/* Recognises a header row: the layout whose every column it holds, with
 * the column positions. False (msg says which columns are missing from
 * the closest layout of source) when none matches. */
bool export_map_header(const char *source, char **fields, size_t n, export_map *out, char *msg, size_t cap);

/* Maps one record. False with the reason in msg (cap bytes) when a field
 * is missing or malformed (a quantity, a date, the vintage period). */
bool export_map_row(const export_map *m, char **fields, size_t n, export_row *out, char *msg, size_t cap);

#endif
