//! 报表文件: a report as XLSX (three sheets: the rows with the total, on-time share per step, and
//! months with a chart whose axes are named and whose months read as words) or CSV (the rows, with
//! a byte-order mark so that spreadsheet programs read the Chinese).

use std::path::Path;

use rust_xlsxwriter::{Chart, ChartType, Format as CellFormat, Workbook, XlsxError};

use super::{write_whole, RenderError};
use crate::domain::papers::step_label_zh;
use crate::domain::report::{month_label, Report, ReportRow};

/// The file formats of a report, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Xlsx,
    Csv,
}

impl ReportFormat {
    pub fn of(path: &Path) -> Option<ReportFormat> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("xlsx") => Some(ReportFormat::Xlsx),
            Some("csv") => Some(ReportFormat::Csv),
            _ => None,
        }
    }
}

/// Column headings of the rows, in Chinese or English.
fn headings(zh: bool, group: &str) -> Vec<String> {
    let (z, e): (&[&str], &[&str]) = (
        &[
            "申请数",
            "已送电",
            "平均环节数",
            "工作日中位数",
            "工作日P90",
            "电网侧工作日中位数",
            "电网侧工作日P90",
            "自然日中位数",
            "自然日P90",
            "按时率",
            "零投资占比",
            "三零覆盖",
            "三省覆盖",
            "不停电接火率",
        ],
        &[
            "applications",
            "energized",
            "mean procedures",
            "working days median",
            "working days p90",
            "grid working days median",
            "grid working days p90",
            "calendar days median",
            "calendar days p90",
            "on time",
            "zero customer cost",
            "三零 coverage",
            "三省 coverage",
            "live-line rate",
        ],
    );
    let mut out = vec![group.to_string()];
    out.extend((if zh { z } else { e }).iter().map(|s| s.to_string()));
    out
}

/// A row's cells: numbers, or None where there is nothing to count.
fn cells(r: &ReportRow) -> Vec<Option<f64>> {
    let n = |v: Option<u32>| v.map(f64::from);
    vec![
        Some(r.applications as f64),
        Some(r.energized as f64),
        r.mean_procedures,
        n(r.median_working_days),
        n(r.p90_working_days),
        n(r.median_grid_working_days),
        n(r.p90_grid_working_days),
        n(r.median_calendar_days),
        n(r.p90_calendar_days),
        r.on_time_share,
        r.zero_cost_share,
        r.three_zero_share,
        r.three_save_share,
        r.live_line_rate,
    ]
}

/// Which cells are shares (shown as percentages).
const SHARE_FROM: usize = 9;

fn group_label(report: &Report, zh: bool) -> String {
    if zh {
        report.by.label_zh().to_string()
    } else {
        report.by.id().to_string()
    }
}

fn display_group(report: &Report, group: &str, zh: bool) -> String {
    match report.by {
        crate::domain::report::GroupBy::Month => month_label(group, zh),
        _ => group.to_string(),
    }
}

/// The report as CSV text.
pub fn csv(report: &Report, zh: bool) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("\u{feff}");
    out.push_str(
        &headings(zh, &group_label(report, zh))
            .iter()
            .map(|h| quote(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        let label = if std::ptr::eq(row, &report.total) {
            if zh { "合计" } else { "Total" }.to_string()
        } else {
            display_group(report, &row.group, zh)
        };
        let mut line = vec![quote(&label)];
        for (i, c) in cells(row).into_iter().enumerate() {
            line.push(match c {
                None => String::new(),
                Some(v) if i >= SHARE_FROM => format!("{:.1}%", v * 100.0),
                Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
                Some(v) => format!("{v:.2}"),
            });
        }
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The report as an XLSX workbook.
pub fn xlsx(report: &Report, zh: bool) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let percent = CellFormat::new().set_num_format("0.0%");
    let decimal = CellFormat::new().set_num_format("0.00");
    let t = |z: &'static str, e: &'static str| if zh { z } else { e };

    // Sheet 1: one row per group, then the total.
    let sheet = book.add_worksheet();
    sheet.set_name(t("报表", "Report"))?;
    let title = if zh {
        format!(
            "获得电力报表：{} 至 {} 受理的申请，按{}",
            report.period.from,
            report.period.to,
            report.by.label_zh()
        )
    } else {
        format!(
            "Getting Electricity: applications accepted {} to {}, by {}",
            report.period.from,
            report.period.to,
            report.by.id()
        )
    };
    sheet.write_with_format(0, 0, title.as_str(), &bold)?;
    for (c, h) in headings(zh, &group_label(report, zh)).iter().enumerate() {
        sheet.write_with_format(2, c as u16, h.as_str(), &bold)?;
    }
    for (r, row) in (3u32..).zip(report.rows.iter().chain(std::iter::once(&report.total))) {
        let is_total = std::ptr::eq(row, &report.total);
        let label = if is_total {
            t("合计", "Total").to_string()
        } else {
            display_group(report, &row.group, zh)
        };
        if is_total {
            sheet.write_with_format(r, 0, label.as_str(), &bold)?;
        } else {
            sheet.write(r, 0, label.as_str())?;
        }
        for (i, c) in cells(row).into_iter().enumerate() {
            let col = i as u16 + 1;
            match c {
                None => {
                    sheet.write(r, col, "-")?;
                }
                Some(v) if i >= SHARE_FROM => {
                    sheet.write_with_format(r, col, v, &percent)?;
                }
                Some(v) if v.fract() == 0.0 => {
                    sheet.write(r, col, v)?;
                }
                Some(v) => {
                    sheet.write_with_format(r, col, v, &decimal)?;
                }
            }
        }
    }
    sheet.set_column_width(0, 18)?;
    sheet.set_column_range_width(1, 14, 12)?;

    // Sheet 2: on-time share per step and group.
    let steps = book.add_worksheet();
    steps.set_name(t("按环节按时率", "On time by step"))?;
    for (c, h) in [
        group_label(report, zh),
        t("环节", "step").to_string(),
        t("按时完成", "on time").to_string(),
        t("完成", "done").to_string(),
        t("按时率", "share").to_string(),
    ]
    .iter()
    .enumerate()
    {
        steps.write_with_format(0, c as u16, h.as_str(), &bold)?;
    }
    for (i, s) in report.steps.iter().enumerate() {
        let r = i as u32 + 1;
        let step = if zh {
            step_label_zh(&s.step).to_string()
        } else {
            s.step.replace('_', " ")
        };
        steps.write(r, 0, display_group(report, &s.group, zh).as_str())?;
        steps.write(r, 1, step.as_str())?;
        steps.write(r, 2, s.on_time as f64)?;
        steps.write(r, 3, s.total as f64)?;
        steps.write_with_format(r, 4, s.share, &percent)?;
    }
    steps.set_column_range_width(0, 1, 20)?;

    // Sheet 3: months, with a chart.
    let months_name = t("按月", "By month");
    let months = book.add_worksheet();
    months.set_name(months_name)?;
    for (c, h) in [
        t("月份", "month"),
        t("受理（件）", "accepted"),
        t("送电（件）", "energized"),
    ]
    .iter()
    .enumerate()
    {
        months.write_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, m) in report.months.iter().enumerate() {
        let r = i as u32 + 1;
        months.write(r, 0, month_label(&m.month, zh).as_str())?;
        months.write(r, 1, m.accepted as f64)?;
        months.write(r, 2, m.energized as f64)?;
    }
    months.set_column_width(0, 14)?;
    if !report.months.is_empty() {
        let last = report.months.len() as u32;
        let mut chart = Chart::new(ChartType::Column);
        for col in [1u16, 2] {
            chart
                .add_series()
                .set_categories((months_name, 1, 0, last, 0))
                .set_values((months_name, 1, col, last, col))
                .set_name((months_name, 0, col));
        }
        chart
            .title()
            .set_name(t("按月受理与送电", "Accepted and energized by month"));
        chart.x_axis().set_name(t("月份", "Month"));
        chart.y_axis().set_name(t("申请数（件）", "Applications"));
        months.insert_chart(1, 4, &chart)?;
    }
    book.save_to_buffer()
}

/// Write `report` to `to` as its extension says, whole or not at all; returns the bytes written.
pub fn write(
    report: &Report,
    format: ReportFormat,
    zh: bool,
    to: &Path,
) -> Result<usize, RenderError> {
    let bytes = match format {
        ReportFormat::Csv => csv(report, zh).into_bytes(),
        ReportFormat::Xlsx => xlsx(report, zh).map_err(|e| RenderError::Write {
            path: to.display().to_string(),
            why: e.to_string(),
        })?,
    };
    write_whole(&bytes, to)?;
    Ok(bytes.len())
}
