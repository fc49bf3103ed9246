//! The settings screen: the profile a session plans from.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};

use crate::app::App;

use super::{Theme, frame_block, hint_line, message, message_rows};

/// Draws the settings screen in `area`.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = frame_block("settings", " saved as `limber profile` saves it ".to_owned(), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, msg, keys] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(message_rows(app, inner.width)),
        Constraint::Length(1),
    ])
    .areas(inner);
    let items: Vec<ListItem> =
        app.settings_rows().into_iter().map(|(label, value)| ListItem::new(format!("{label:<28} {value}"))).collect();
    let mut state = ListState::default().with_selected(Some(app.selected));
    let list = List::new(items)
        .block(Block::bordered().title(" Your profile "))
        .highlight_style(theme.selected())
        .highlight_symbol("▶ ");
    frame.render_stateful_widget(list, body, &mut state);
    frame.render_widget(message(app, theme), msg);
    let hints = [("↑↓", "choose"), ("space", "toggle"), ("←→", "goal"), ("esc", "home")];
    frame.render_widget(Paragraph::new(hint_line(&hints, theme)), keys);
}
