"""Staffing compliance: a state's staffing minimums as data, worked hours and
hours per resident day, RN coverage and the DON, nurse aides' registry,
in-service and reviews, licenses, and the PBJ file CMS accepts."""
