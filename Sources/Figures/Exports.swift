@_exported import Markup
