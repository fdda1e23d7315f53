//! Human-readable tables, aligned by display width so Chinese text lines up.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use crate::domain::event::{Event, EventKind};
use crate::domain::Application;
use crate::service::Dossier;

/// Pad (or cut with `…`) `text` to `width` display columns.
pub fn fit(text: &str, width: usize) -> String {
    let w = text.width();
    if w <= width {
        return format!("{text}{}", " ".repeat(width - w));
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > width.saturating_sub(1) {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

fn render(header: &[&str], rows: &[Vec<String>], max: &[usize]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            let data = rows.iter().map(|r| r[i].width()).max().unwrap_or(0);
            // Data is capped at the column's maximum; the header always shows whole.
            data.min(max[i]).max(header[i].width())
        })
        .collect();
    let mut out = String::new();
    let line = |cells: Vec<String>| -> String {
        let parts: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| fit(c, *w)).collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    out.push_str(&line(header.iter().map(|s| s.to_string()).collect()));
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

/// A deadline as printed: `2027-01-26 暂` when counted on the provisional calendar.
fn deadline_text(a: &Application) -> String {
    match (a.deadline, a.deadline_provisional) {
        (Some(d), true) => format!("{d} 暂"),
        (Some(d), false) => d.to_string(),
        (None, _) => "-".into(),
    }
}

/// The application list.
pub fn applications(apps: &[Application], total: u64, offset: usize) -> String {
    let header = [
        "编号 id",
        "状态 status",
        "流程 process",
        "客户 customer",
        "区县 county",
        "受理 received",
        "时限 deadline",
    ];
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|a| {
            vec![
                a.id.0.clone(),
                a.status.label_zh().to_string(),
                a.process.label_zh().to_string(),
                a.form.customer.name.clone(),
                a.form.site.county.clone(),
                crate::domain::calendar::china_date(a.form.received_at).to_string(),
                deadline_text(a),
            ]
        })
        .collect();
    let mut out = render(&header, &rows, &[16, 14, 12, 30, 8, 10, 13]);
    let shown_to = offset + apps.len();
    let _ = writeln!(
        out,
        "{} of {total} shown ({}-{})",
        apps.len(),
        if apps.is_empty() { 0 } else { offset + 1 },
        shown_to
    );
    out
}

fn describe(event: &Event) -> String {
    match &event.draft.kind {
        EventKind::Accepted => "受理 accepted".into(),
        EventKind::Advanced { to, .. } => format!("{} {}", to.label_zh(), to.id()),
        EventKind::Cancelled { reason, .. } => format!("撤销 cancelled: {reason}"),
        EventKind::SideFlow { flow, action } => format!("{flow}: {action}"),
        EventKind::Amended { reason, fields } => {
            format!("更正 amended {}: {reason}", fields.join(", "))
        }
        EventKind::Noted => "备注 note".into(),
        EventKind::Sealed { reason } => format!("封存 sealed: {reason}"),
        EventKind::PolicyActivated {
            region, version, ..
        } => format!("policy {region} {version}"),
        EventKind::Service { key, action } => format!("{key}: {action}"),
    }
}

/// One application and its timeline (物流式查询).
pub fn dossier(d: &Dossier) -> String {
    let a = &d.application;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}  {}",
        a.id,
        a.status.label_zh(),
        a.process.label_zh()
    );
    let _ = writeln!(
        out,
        "客户 {} ({})  {}",
        a.form.customer.name,
        a.form.customer.class.label_zh(),
        a.form.customer.phone
    );
    let _ = writeln!(out, "地址 {} {}", a.form.site.county, a.form.site.address);
    let capacity = match (a.form.request.capacity_kw, a.form.request.capacity_kva) {
        (Some(kw), _) => format!("{kw} kW"),
        (_, Some(kva)) => format!("{kva} kVA"),
        _ => "-".into(),
    };
    let _ = writeln!(out, "申请 {} {}", a.form.request.voltage.id(), capacity);
    match &a.decision {
        Some(dec) => {
            let programs: Vec<_> = dec.programs.iter().map(|p| p.label_zh()).collect();
            let _ = writeln!(
                out,
                "决策 {} {} ({})  programs: {}  rules: {}",
                dec.bundle.region,
                dec.bundle.version,
                dec.access.class.id(),
                if programs.is_empty() {
                    "-".into()
                } else {
                    programs.join(" ")
                },
                dec.rules.join(", ")
            );
        }
        None => {
            let _ = writeln!(
                out,
                "决策 none (no policy bundle was active; default limits apply)"
            );
        }
    }
    let _ = writeln!(out, "时限 {}", deadline_text(a));
    if let Some(first) = a.missing_calendar_years.years().first() {
        let _ = writeln!(
            out,
            "暂 provisional: counted without the official calendar of {} (load {}; see powerdesk calendar check)",
            a.missing_calendar_years,
            crate::domain::calendar::notice_for(*first)
        );
    }
    if let Some(e) = &d.timeline_error {
        let _ = writeln!(out, "用时 unavailable: {e}");
    }
    if let Some(t) = &d.timeline {
        let _ = writeln!(
            out,
            "用时 grid {} working days, customer {} working days",
            t.grid_working_days, t.customer_working_days
        );
        if let Some(p) = &t.pending {
            let _ = writeln!(
                out,
                "待办 {} due {} ({} working days left{})",
                p.step,
                p.deadline,
                p.remaining_working_days,
                if p.overdue { ", 已超期 overdue" } else { "" }
            );
        }
    }
    let next: Vec<_> = d.next_states.iter().map(|s| s.id()).collect();
    let _ = writeln!(
        out,
        "下一步 next: {}",
        if next.is_empty() {
            "-".into()
        } else {
            next.join(", ")
        }
    );
    out.push('\n');
    let rows: Vec<Vec<String>> = d
        .events
        .iter()
        .map(|e| {
            vec![
                e.draft.at.format("%Y-%m-%d %H:%M").to_string(),
                describe(e),
                e.draft.actor.clone(),
                e.draft.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&render(
        &["时间 at", "事件 event", "经办 actor", "备注 note"],
        &rows,
        &[16, 30, 12, 40],
    ));
    out
}

/// `due`: what is due as of today, by step and by operator, then the applications.
pub fn due(view: &crate::service::DueView) -> String {
    use crate::service::{Due, DueGroup};
    let t = &view.totals;
    let mut out = format!(
        "到期 due as of {}: 超期 overdue {}, 今日 today {}, 次日 next working day ({}) {}",
        view.as_of, t.overdue, t.today, view.next_working_day, t.next_working_day
    );
    if t.provisional > 0 {
        let _ = write!(
            out,
            "; 暂 {} counted on a provisional calendar",
            t.provisional
        );
    }
    out.push('\n');
    if t.total() == 0 {
        return out;
    }
    let groups = |title: &str, groups: &[DueGroup]| {
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                vec![
                    g.key.clone(),
                    g.counts.overdue.to_string(),
                    g.counts.today.to_string(),
                    g.counts.next_working_day.to_string(),
                ]
            })
            .collect();
        render(
            &[title, "超期 overdue", "今日 today", "次日 next"],
            &rows,
            &[24, 12, 10, 9],
        )
    };
    out.push('\n');
    out.push_str(&groups("环节 step", &view.by_step));
    out.push('\n');
    out.push_str(&groups("经办 operator", &view.by_operator));
    out.push('\n');
    let rows: Vec<Vec<String>> = view
        .items
        .iter()
        .map(|i| {
            let when = match i.due {
                Due::Overdue => format!("超期 {}", -i.remaining_working_days),
                Due::Today => "今日".into(),
                Due::NextWorkingDay => "次日".into(),
            };
            vec![
                i.id.0.clone(),
                when,
                if i.deadline_provisional {
                    format!("{} 暂", i.deadline)
                } else {
                    i.deadline.to_string()
                },
                i.step.clone(),
                i.operator.clone(),
                i.customer.clone(),
                i.county.clone(),
            ]
        })
        .collect();
    out.push_str(&render(
        &[
            "编号 id",
            "到期 due",
            "时限 deadline",
            "环节 step",
            "经办 operator",
            "客户 customer",
            "区县 county",
        ],
        &rows,
        &[16, 10, 13, 22, 12, 30, 8],
    ));
    let _ = writeln!(out, "{} of {} shown", view.items.len(), t.total());
    out
}
