//! 控制台: the ratatui operator console (The Elm Architecture).
//!
//! One [`App`] state; [`Action`]s change it through `App::update`, which returns effects; the
//! views draw from the state without I/O. Store and policy work runs on a worker thread that owns
//! the [`Desk`](crate::service::Desk); its answers come back as actions into the same inbox as the
//! terminal's key events. The loop is generic over the ratatui backend, so tests drive it on a
//! `TestBackend` with a real store.

pub mod action;
pub mod app;
pub mod catalog;
pub mod config;
pub mod draft;
pub mod first_page;
pub mod form;
pub mod i18n;
pub mod keymap;
pub mod record_form;
mod search_hits;
pub mod sideflow_input;
pub mod text_input;
pub mod views;
pub mod worker;

use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use ratatui::backend::Backend;
use ratatui::Terminal;

pub use action::{Action, Effect, Request};
pub use app::App;

/// The console's loop over any backend: an inbox of actions (keys and worker answers) and an
/// outbox for requests to the worker.
pub struct Session<B: Backend> {
    pub terminal: Terminal<B>,
    pub app: App,
    inbox: Receiver<Action>,
    outbox: Box<dyn FnMut(Request) + Send>,
    quit: bool,
    /// The screen the last frame showed.
    drawn_screen: Option<app::Screen>,
}

impl<B: Backend> Session<B> {
    pub fn new(
        terminal: Terminal<B>,
        app: App,
        inbox: Receiver<Action>,
        outbox: Box<dyn FnMut(Request) + Send>,
    ) -> Self {
        let mut s = Session {
            terminal,
            app,
            inbox,
            outbox,
            quit: false,
            drawn_screen: None,
        };
        let fx = s.app.start();
        s.apply(fx);
        s
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Send(r) => (self.outbox)(r),
                Effect::Quit => self.quit = true,
            }
        }
    }

    /// Apply one action and its effects; false once the console should quit.
    pub fn dispatch(&mut self, action: Action) -> bool {
        let fx = self.app.update(action);
        self.apply(fx);
        !self.quit
    }

    pub fn draw(&mut self) -> io::Result<()> {
        // A new screen is drawn whole: a terminal keeps halves of wide (Chinese) characters that
        // a cell-by-cell update of another screen's layout would leave behind.
        if self.drawn_screen != Some(self.app.screen) {
            // Terminal::clear without its cursor query (which a terminal may never answer):
            // blank the terminal, and compare the next frame with a blank one.
            self.terminal
                .backend_mut()
                .clear_region(ratatui::backend::ClearType::All)
                .map_err(|e| io::Error::other(e.to_string()))?;
            self.terminal.swap_buffers();
            self.drawn_screen = Some(self.app.screen);
        }
        let app = &self.app;
        self.terminal
            .draw(|f| views::draw(app, f))
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(())
    }

    /// Apply every action already in the inbox without waiting (what the run loop does
    /// between frames).
    pub fn pump(&mut self) {
        while let Ok(a) = self.inbox.try_recv() {
            if !self.dispatch(a) {
                break;
            }
        }
    }

    /// Take actions from the inbox until no request is outstanding (or `timeout` passes).
    pub fn settle(&mut self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while self.app.pending > 0 {
            let left = end.saturating_duration_since(Instant::now());
            match self.inbox.recv_timeout(left) {
                Ok(a) => {
                    self.dispatch(a);
                }
                Err(_) => return false,
            }
        }
        true
    }

    /// Send no more requests (the worker's queue can then run out and the worker end).
    pub fn close_outbox(&mut self) {
        self.outbox = Box::new(|_| {});
    }

    /// Run until quit: wait for an action, apply it and everything queued behind it, draw.
    pub fn run(&mut self) -> io::Result<()> {
        self.draw()?;
        while !self.quit {
            match self.inbox.recv_timeout(Duration::from_secs(1)) {
                Ok(a) => {
                    self.dispatch(a);
                    while let Ok(more) = self.inbox.try_recv() {
                        if !self.dispatch(more) {
                            break;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if !self.quit {
                self.draw()?;
            }
        }
        Ok(())
    }
}

/// Read the terminal's events on a thread and post them to the inbox.
pub fn spawn_input(tx: Sender<Action>) {
    std::thread::Builder::new()
        .name("powerdesk-input".into())
        .spawn(move || loop {
            let action = match crossterm::event::read() {
                Ok(crossterm::event::Event::Key(k))
                    if k.kind != crossterm::event::KeyEventKind::Release =>
                {
                    Action::Key(k)
                }
                Ok(crossterm::event::Event::Paste(s)) => Action::Paste(s),
                Ok(crossterm::event::Event::Resize(w, h)) => Action::Resize(w, h),
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(action).is_err() {
                return;
            }
        })
        .expect("spawning the input thread");
}

/// Puts the terminal in raw mode on the alternate screen and restores it when dropped, on error
/// and (through the panic hook) on panic.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(
            io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::event::EnableBracketedPaste
        )?;
        Ok(TerminalGuard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Leave raw mode and the alternate screen, show the cursor. Safe to call twice.
pub fn restore_terminal() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::event::DisableBracketedPaste,
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// How the console opens the store: 4 MB of sled's page cache, a 64th of the command line's (the
/// console reads a page at a time; sled's in-memory page table of the whole store comes on top).
/// What a whole-store scan (search, dashboard) leaves resident is this plus a little (sled is
/// patched to account its cache promptly, vendor/sled/PATCHED.md): on 1M the console stays under
/// 150 MB after a scan with 4 MB, 32 MB did not.
pub const STORE_OPTIONS: crate::store::StoreOptions = crate::store::StoreOptions {
    cache_bytes: 4 * 1024 * 1024,
    prompt_accounting: true,
    read_only: false,
    compression: Some(crate::store::COMPRESSION_LEVEL),
};

/// The operator who acts: `$USER`, or the desk's default actor.
pub fn operator() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| crate::service::DEFAULT_ACTOR.to_string())
}

/// Open the console on the real terminal until the operator quits: it draws at once while the
/// worker opens the store with `open` (listing and status line say so until it is open). A store
/// that cannot be opened ends the console with its error. `now` is the desk's clock at start. The terminal is restored on return, on
/// error and on panic.
pub fn run_console(
    open: worker::Opener,
    config: config::Config,
    now: chrono::DateTime<chrono::FixedOffset>,
    draft_dir: Option<&std::path::Path>,
) -> io::Result<()> {
    crate::allocator::prefer_small_footprint();
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = worker::Worker::spawn_opening(open, operator(), tx.clone());
    let guard = TerminalGuard::enter()?;
    let terminal = Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;
    let mut app = App::new(&config, now, (size.width, size.height));
    app.opening_store();
    // The form left unsubmitted last time is offered again.
    let restored = draft_dir
        .and_then(draft::load)
        .is_some_and(|values| app.form.restore(&values));
    spawn_input(tx);
    let mut session = Session::new(terminal, app, rx, worker.outbox());
    if restored {
        session.app.draft_restored();
    }
    let result = session.run();
    // A form typed and not submitted is kept for the next start; a submitted or cleared one is
    // not. Failing to keep it costs the draft only, so it is said and not fatal.
    if let Some(dir) = draft_dir {
        let values = session.app.form.values();
        let keep = session
            .app
            .form
            .has_draft(session.app.now)
            .then_some(&values[..]);
        if let Err(e) = draft::store(dir, keep) {
            eprintln!(
                "powerdesk: the unsubmitted form could not be kept in {}: {e}",
                dir.display()
            );
        }
    }
    // Writes still queued (e.g. typed while the store was opening) are carried out before the
    // process ends (their answers go to the session's inbox, kept until then); then the worker
    // closes the store and stores the first page for the next start (`first_page`).
    session.close_outbox();
    worker.quit();
    let fatal = session.app.fatal.take();
    drop(session);
    drop(guard);
    result?;
    match fatal {
        Some(e) => Err(io::Error::other(e)),
        None => Ok(()),
    }
}
